// Small admin/check client for the local Kafka of the test stack (scripts/stack/kafka.sh).
// Compiled once with javac against the cached kafka-clients jar. Secrets come from environment
// variables, never from the command line, so no shell quoting touches them.
//
//   ping-plain    BOOTSTRAP                    cluster answers on the PLAINTEXT (setup) listener
//   upsert-scram  BOOTSTRAP USER               create/replace USER's SCRAM-SHA-512 credential
//                                              (password in $KST_PASSWORD), via the PLAINTEXT listener
//   check-sasl    BOOTSTRAP USER TRUSTSTORE    list topics over SASL_SSL + SCRAM-SHA-512 with hostname
//                                              verification ($KST_PASSWORD, $KST_TRUSTSTORE_PASSWORD)
//   expect-reject BOOTSTRAP USER TRUSTSTORE    like check-sasl, but succeeds only if the broker rejects
//                                              the password with an authentication error
//   provision     PLAIN_BOOTSTRAP SASL_BOOTSTRAP TRUSTSTORE TIMEOUT_S [BROKER_PID]
//                                              all of kafka_up's work in one JVM: wait until the broker
//                                              answers on PLAINTEXT (giving up early if BROKER_PID exits),
//                                              upsert the SCRAM users
//                                              $KST_MAIN_USER/$KST_MAIN_PASSWORD and $KST_TRICKY_USER/
//                                              $KST_TRICKY_PASSWORD, wait until the main user can list topics
//                                              over SASL_SSL, check the tricky user, check a wrong password
//                                              is rejected
//
// Exit code 0 on success, 1 on failure (message on stderr).

import java.time.Duration;
import java.util.Map;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.errors.AuthenticationException;

public class KafkaStackTool {

    public static void main(String[] args) {
        if (args.length < 2) {
            System.err.println("usage: KafkaStackTool ping-plain|upsert-scram|check-sasl|expect-reject BOOTSTRAP [USER [TRUSTSTORE]]");
            System.exit(2);
        }
        try {
            switch (args[0]) {
                case "ping-plain":
                    pingPlain(args[1]);
                    break;
                case "upsert-scram":
                    upsertScram(args[1], arg(args, 2), env("KST_PASSWORD"));
                    break;
                case "check-sasl":
                    System.out.println(checkSasl(args[1], arg(args, 2), env("KST_PASSWORD"), arg(args, 3),
                            env("KST_TRUSTSTORE_PASSWORD")));
                    break;
                case "expect-reject":
                    expectReject(args[1], arg(args, 2), env("KST_PASSWORD"), arg(args, 3),
                            env("KST_TRUSTSTORE_PASSWORD"));
                    break;
                case "create-topics":
                    createTopics(args[1], java.util.Arrays.copyOfRange(args, 2, args.length));
                    break;
                case "provision":
                    provision(args[1], arg(args, 2), arg(args, 3), Integer.parseInt(arg(args, 4)),
                            args.length > 5 ? Long.parseLong(args[5]) : -1);
                    break;
                default:
                    System.err.println("unknown command " + args[0]);
                    System.exit(2);
            }
            System.exit(0);
        } catch (Exception e) {
            Throwable t = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            System.err.println(args[0] + " failed: " + t);
            System.exit(1);
        }
    }

    /** Creates each topic (1 partition) unless it exists: topics exist before pipelines, as on Aiven. */
    private static void createTopics(String bootstrap, String[] names) throws Exception {
        try (Admin admin = Admin.create(base(bootstrap))) {
            java.util.Set<String> existing = admin.listTopics().names().get();
            java.util.List<org.apache.kafka.clients.admin.NewTopic> fresh = new java.util.ArrayList<>();
            for (String name : names) {
                if (!existing.contains(name)) {
                    fresh.add(new org.apache.kafka.clients.admin.NewTopic(name, 1, (short) 1));
                }
            }
            admin.createTopics(fresh).all().get();
            System.out.println("created " + fresh.size() + " of " + names.length + " topics");
        }
    }

    private static String arg(String[] args, int i) {
        if (args.length <= i) {
            throw new IllegalArgumentException("missing argument " + i + " for " + args[0]);
        }
        return args[i];
    }

    private static String env(String name) {
        String v = System.getenv(name);
        if (v == null) {
            throw new IllegalArgumentException("environment variable " + name + " is not set");
        }
        return v;
    }

    private static Map<String, Object> base(String bootstrap) {
        Map<String, Object> c = new HashMap<>();
        c.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        c.put(AdminClientConfig.CLIENT_ID_CONFIG, "flink-sql-stack-check");
        c.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000);
        c.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 8000);
        c.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 500);
        return c;
    }

    /** A JAAS option value in double quotes: the JAAS parser (a StreamTokenizer) treats backslash as an escape. */
    static String jaasQuote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    private static Map<String, Object> saslSsl(String bootstrap, String user, String password, String truststore,
                                               String truststorePassword) {
        Map<String, Object> c = base(bootstrap);
        c.put("security.protocol", "SASL_SSL");
        c.put("sasl.mechanism", "SCRAM-SHA-512");
        c.put("sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required username="
                + jaasQuote(user) + " password=" + jaasQuote(password) + ";");
        c.put("ssl.truststore.location", truststore);
        c.put("ssl.truststore.password", truststorePassword);
        c.put("ssl.truststore.type", "JKS");
        c.put("ssl.endpoint.identification.algorithm", "https");
        return c;
    }

    private static void pingPlain(String bootstrap) throws Exception {
        try (Admin admin = Admin.create(base(bootstrap))) {
            String id = admin.describeCluster().clusterId().get(8, TimeUnit.SECONDS);
            System.out.println("cluster " + id);
        }
    }

    private static void upsertScram(String bootstrap, String user, String password) throws Exception {
        try (Admin admin = Admin.create(base(bootstrap))) {
            admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion(user,
                    new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 8192), password)))
                    .all().get(10, TimeUnit.SECONDS);
            System.out.println("scram credential set for " + user);
        }
    }

    private static String checkSasl(String bootstrap, String user, String password, String truststore,
                                     String truststorePassword) throws Exception {
        try (Admin admin = Admin.create(saslSsl(bootstrap, user, password, truststore, truststorePassword))) {
            var names = admin.listTopics(new ListTopicsOptions().listInternal(true)).names().get(8, TimeUnit.SECONDS);
            return "SASL_SSL ok as " + user + " (" + names.size() + " topics)";
        }
    }

    private static void provision(String plain, String sasl, String truststore, int timeoutSeconds, long brokerPid)
            throws Exception {
        String mainUser = env("KST_MAIN_USER"), mainPw = env("KST_MAIN_PASSWORD");
        String trickyUser = env("KST_TRICKY_USER"), trickyPw = env("KST_TRICKY_PASSWORD");
        String tsPw = env("KST_TRUSTSTORE_PASSWORD");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        Map<String, Object> conf = base(plain);
        conf.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, timeoutSeconds * 1000);
        Admin admin = Admin.create(conf);
        boolean answered = false;
        try {
            var cluster = admin.describeCluster().clusterId();
            while (true) {
                try {
                    System.out.println("cluster " + cluster.get(250, TimeUnit.MILLISECONDS) + " answers on " + plain);
                    answered = true;
                    break;
                } catch (java.util.concurrent.TimeoutException e) {
                    if (brokerPid > 0 && !isRunning(brokerPid)) {
                        throw new IllegalStateException("the broker process " + brokerPid + " exited");
                    }
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("no answer on " + plain + " within " + timeoutSeconds + " s");
                    }
                }
            }
        } finally {
            // close() would otherwise wait for the pending call until its (long) timeout
            admin.close(answered ? Duration.ofSeconds(5) : Duration.ZERO);
        }
        upsertScram(plain, mainUser, mainPw);
        upsertScram(plain, trickyUser, trickyPw);
        while (true) {
            try {
                System.out.println(checkSasl(sasl, mainUser, mainPw, truststore, tsPw));
                break;
            } catch (Exception e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(300);
            }
        }
        System.out.println(checkSasl(sasl, trickyUser, trickyPw, truststore, tsPw));
        expectReject(sasl, mainUser, "wrong-" + mainPw, truststore, tsPw);
    }

    /** Alive and not a zombie (a child that exited but is not reaped yet still "exists" for kill -0). */
    static boolean isRunning(long pid) {
        if (!ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
            return false;
        }
        try {
            String stat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/" + pid + "/stat"));
            String state = stat.substring(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
            return !state.equals("Z") && !state.equals("X");
        } catch (java.io.IOException | RuntimeException e) {
            return true; // no /proc: trust ProcessHandle
        }
    }

    private static void expectReject(String bootstrap, String user, String password, String truststore,
                                     String truststorePassword) throws Exception {
        try {
            checkSasl(bootstrap, user, password, truststore, truststorePassword);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof AuthenticationException) {
                System.out.println("rejected as expected: " + e.getCause().getClass().getSimpleName());
                return;
            }
            throw e;
        }
        throw new IllegalStateException("the broker accepted a wrong password for " + user);
    }
}
