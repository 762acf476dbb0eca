//! What the platform asks of the namespace's ResourceQuota: the JobManagers, N TaskManagers and
//! the gateway, each with the CPU and memory the profile gives it (requests equal limits, as the
//! templates and the operator's default limit factors of 1 make them), compared with the quota's
//! `hard` less what the namespace's other pods already use. `check` and `scale` share it.

use serde_json::Value;

use super::config::DeployConfig;

/// CPU in millicores, memory in bytes, pods.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Amount {
    pub cpu_milli: u64,
    pub memory: u64,
    pub pods: u64,
}

impl Amount {
    fn times(self, n: u64) -> Amount {
        Amount {
            cpu_milli: self.cpu_milli * n,
            memory: self.memory * n,
            pods: self.pods * n,
        }
    }

    fn plus(self, o: Amount) -> Amount {
        Amount {
            cpu_milli: self.cpu_milli + o.cpu_milli,
            memory: self.memory + o.memory,
            pods: self.pods + o.pods,
        }
    }

    fn minus(self, o: Amount) -> Amount {
        Amount {
            cpu_milli: self.cpu_milli.saturating_sub(o.cpu_milli),
            memory: self.memory.saturating_sub(o.memory),
            pods: self.pods.saturating_sub(o.pods),
        }
    }

    /// `4 CPU, 16Gi, 3 pods`.
    pub fn show(self) -> String {
        format!(
            "{} CPU, {}, {} pods",
            show_cpu(self.cpu_milli),
            show_bytes(self.memory),
            self.pods
        )
    }
}

fn show_cpu(milli: u64) -> String {
    if milli % 1000 == 0 {
        (milli / 1000).to_string()
    } else {
        format!("{milli}m")
    }
}

fn show_bytes(b: u64) -> String {
    const GI: u64 = 1 << 30;
    const MI: u64 = 1 << 20;
    if b % GI == 0 {
        format!("{}Gi", b / GI)
    } else {
        format!("{}Mi", b.div_ceil(MI))
    }
}

/// A Kubernetes CPU quantity (`2`, `0.5`, `500m`) in millicores.
pub fn cpu_milli(q: &str) -> Option<u64> {
    let q = q.trim();
    if let Some(m) = q.strip_suffix('m') {
        return m.parse().ok();
    }
    let v: f64 = q.parse().ok()?;
    Some((v * 1000.0).round() as u64)
}

/// A Kubernetes memory quantity (`512Mi`, `2G`, `1Ti`, bytes) in bytes.
pub fn k8s_bytes(q: &str) -> Option<u64> {
    let q = q.trim();
    let units: [(&str, f64); 9] = [
        ("Ki", 1024f64),
        ("Mi", 1024f64.powi(2)),
        ("Gi", 1024f64.powi(3)),
        ("Ti", 1024f64.powi(4)),
        ("k", 1e3),
        ("M", 1e6),
        ("G", 1e9),
        ("T", 1e12),
        ("m", 1e-3),
    ];
    for (suffix, factor) in units {
        if let Some(n) = q.strip_suffix(suffix) {
            return n.parse::<f64>().ok().map(|v| (v * factor).ceil() as u64);
        }
    }
    q.parse::<f64>().ok().map(|v| v.ceil() as u64)
}

/// A Flink memory size (`2048m` = 2048 MiB, `8g`, bytes), as the operator sizes the pod.
pub fn flink_bytes(q: &str) -> Option<u64> {
    let q = q.trim().to_lowercase();
    let split = q.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(q.len());
    let (num, unit) = q.split_at(split);
    let factor: u64 = match unit.trim() {
        "" | "b" => 1,
        "k" | "kb" => 1 << 10,
        "m" | "mb" => 1 << 20,
        "g" | "gb" => 1 << 30,
        "t" | "tb" => 1 << 40,
        _ => return None,
    };
    num.trim()
        .parse::<f64>()
        .ok()
        .map(|v| (v * factor as f64).ceil() as u64)
}

fn var<'a>(config: &'a DeployConfig, key: &str) -> &'a str {
    config.template_vars.get(key).unwrap_or("0")
}

/// One TaskManager of the profile's size.
pub fn taskmanager(config: &DeployConfig) -> Amount {
    Amount {
        cpu_milli: cpu_milli(var(config, "TM_CPU")).unwrap_or(0),
        memory: flink_bytes(var(config, "TM_MEMORY")).unwrap_or(0),
        pods: 1,
    }
}

/// The whole platform with `taskmanagers` TaskManagers.
pub fn platform(config: &DeployConfig, taskmanagers: u64) -> Amount {
    let count = |k: &str| var(config, k).parse::<u64>().unwrap_or(1);
    let jm = Amount {
        cpu_milli: cpu_milli(var(config, "JM_CPU")).unwrap_or(0),
        memory: flink_bytes(var(config, "JM_MEMORY")).unwrap_or(0),
        pods: 1,
    };
    let gateway = Amount {
        cpu_milli: cpu_milli(var(config, "GATEWAY_CPU")).unwrap_or(0),
        memory: k8s_bytes(var(config, "GATEWAY_MEMORY")).unwrap_or(0),
        pods: 1,
    };
    jm.times(count("JM_REPLICAS"))
        .plus(taskmanager(config).times(taskmanagers))
        .plus(gateway.times(count("GATEWAY_REPLICAS")))
}

/// The quota to size against: the live ResourceQuota's `hard` and `used` when there is one,
/// else the profile's QUOTA_* (what `up` will create).
#[derive(Debug, Clone, Copy)]
pub struct Quota {
    pub hard: Amount,
    /// What the namespace uses now; None when nobody reported it (no quota controller yet).
    pub used: Option<Amount>,
    pub live: bool,
}

impl Quota {
    pub fn from_profile(config: &DeployConfig) -> Quota {
        Quota {
            hard: Amount {
                cpu_milli: cpu_milli(var(config, "QUOTA_CPU")).unwrap_or(0),
                memory: k8s_bytes(var(config, "QUOTA_MEMORY")).unwrap_or(0),
                pods: var(config, "QUOTA_PODS").parse().unwrap_or(0),
            },
            used: None,
            live: false,
        }
    }

    /// From `kubectl get resourcequota -o json`; the smaller of requests.* and limits.* counts.
    /// The quota controller fills `status`; before it has run, `spec.hard` says the same.
    pub fn from_object(quota: &Value) -> Quota {
        let hard = amount(&quota["status"]["hard"])
            .or_else(|| amount(&quota["spec"]["hard"]))
            .unwrap_or(Amount {
                cpu_milli: u64::MAX,
                memory: u64::MAX,
                pods: u64::MAX,
            });
        Quota {
            hard,
            used: amount(&quota["status"]["used"]),
            live: true,
        }
    }
}

/// A quota's resource list; a resource it does not limit is unlimited.
fn amount(list: &Value) -> Option<Amount> {
    let s = list.as_object()?;
    let get = |k: &str| s.get(k).and_then(Value::as_str);
    let cpu = ["requests.cpu", "limits.cpu", "cpu"]
        .iter()
        .filter_map(|k| get(k).and_then(cpu_milli))
        .min();
    let mem = ["requests.memory", "limits.memory", "memory"]
        .iter()
        .filter_map(|k| get(k).and_then(k8s_bytes))
        .min();
    Some(Amount {
        cpu_milli: cpu.unwrap_or(u64::MAX),
        memory: mem.unwrap_or(u64::MAX),
        pods: get("pods").and_then(|p| p.parse().ok()).unwrap_or(u64::MAX),
    })
}

/// Whether `wanted` (the whole platform) fits, given that the platform now uses `ours`. Returns
/// what is available to the platform.
pub fn fits(quota: &Quota, wanted: Amount, ours: Amount) -> Result<Amount, Amount> {
    let others = quota.used.map(|u| u.minus(ours)).unwrap_or_default();
    let available = quota.hard.minus(others);
    let ok = wanted.cpu_milli <= available.cpu_milli
        && wanted.memory <= available.memory
        && wanted.pods <= available.pods;
    if ok {
        Ok(available)
    } else {
        Err(available)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_parse_in_kubernetes_and_flink_units() {
        assert_eq!(cpu_milli("2"), Some(2000));
        assert_eq!(cpu_milli("0.5"), Some(500));
        assert_eq!(cpu_milli("250m"), Some(250));
        assert_eq!(k8s_bytes("2Gi"), Some(2 << 30));
        assert_eq!(k8s_bytes("1G"), Some(1_000_000_000));
        assert_eq!(k8s_bytes("160Gi"), Some(160 << 30));
        assert_eq!(flink_bytes("8192m"), Some(8 << 30));
        assert_eq!(flink_bytes("2g"), Some(2 << 30));
        assert_eq!(flink_bytes("1 gb"), Some(1 << 30));
        assert_eq!(flink_bytes("2x"), None);
    }

    #[test]
    fn the_namespaces_other_pods_reduce_what_the_platform_may_use() {
        let quota = Quota {
            hard: Amount {
                cpu_milli: 10_000,
                memory: 40 << 30,
                pods: 10,
            },
            used: Some(Amount {
                cpu_milli: 7_000,
                memory: 20 << 30,
                pods: 4,
            }),
            live: true,
        };
        let ours = Amount {
            cpu_milli: 5_000,
            memory: 18 << 30,
            pods: 3,
        };
        // Others use 2 CPU: 8 remain for the platform.
        let wanted = Amount {
            cpu_milli: 8_000,
            memory: 30 << 30,
            pods: 4,
        };
        assert!(fits(&quota, wanted, ours).is_ok());
        let more = Amount {
            cpu_milli: 8_001,
            ..wanted
        };
        assert_eq!(fits(&quota, more, ours).unwrap_err().cpu_milli, 8_000);
    }

    #[test]
    fn a_quota_without_status_is_read_from_its_spec() {
        let q = Quota::from_object(&serde_json::json!({
            "spec": {"hard": {"requests.cpu": "40", "limits.cpu": "40", "requests.memory": "160Gi", "pods": "50"}}
        }));
        assert_eq!(q.hard.cpu_milli, 40_000);
        assert_eq!(q.hard.memory, 160 << 30);
        assert_eq!(q.hard.pods, 50);
        assert!(q.used.is_none());
    }
}
