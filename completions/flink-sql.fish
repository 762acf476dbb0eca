# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_flink_sql_global_optspecs
    string join \n v/verbose q/quiet h/help V/version
end

function __fish_flink_sql_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_flink_sql_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_flink_sql_using_subcommand
    set -l cmd (__fish_flink_sql_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c flink-sql -n "__fish_flink_sql_needs_command" -s v -l verbose -d 'More detail on stderr: -v shows full server traces and HTTP calls'
complete -c flink-sql -n "__fish_flink_sql_needs_command" -s q -l quiet -d 'Only results and errors: no progress, no summary'
complete -c flink-sql -n "__fish_flink_sql_needs_command" -s h -l help -d 'Print help'
complete -c flink-sql -n "__fish_flink_sql_needs_command" -s V -l version -d 'Print version'
complete -c flink-sql -n "__fish_flink_sql_needs_command" -f -a "exec" -d 'Run SQL files, folders, stdin or -c statements in one gateway session'
complete -c flink-sql -n "__fish_flink_sql_needs_command" -f -a "shell" -d 'An interactive SQL prompt in one gateway session (piped stdin runs as `exec -f -`)'
complete -c flink-sql -n "__fish_flink_sql_needs_command" -f -a "deploy" -d 'Deploy the Flink SQL platform to Kubernetes (operator, session cluster, SQL Gateway)'
complete -c flink-sql -n "__fish_flink_sql_needs_command" -f -a "env" -d 'Profiles: show the variables a run would see and where each one comes from'
complete -c flink-sql -n "__fish_flink_sql_needs_command" -f -a "jobs" -d 'List, inspect, stop, savepoint and cancel jobs through the JobManager REST API'
complete -c flink-sql -n "__fish_flink_sql_needs_command" -f -a "doctor" -d 'Check this profile\'s connections, one line per check with a hint when it fails: the gateway and the JobManager (reachability, latency), the API version and what it allows, TLS and headers in use (names only), a session round trip, the Flink version and free slots, and the Kafka brokers and schema registry the profile names (TCP, and TLS where the profile says so). Exit 1 when a check failed'
complete -c flink-sql -n "__fish_flink_sql_needs_command" -f -a "check" -d 'Check SQL files or folders before they run: lint, validation in a throwaway session (EXPLAIN, no job starts), planner advice, schema-registry contracts'
complete -c flink-sql -n "__fish_flink_sql_needs_command" -f -a "completions" -d 'Print a shell completion script'
complete -c flink-sql -n "__fish_flink_sql_needs_command" -f -a "man" -d 'Print the man page (troff). With --dir, write the pages of flink-sql and of every subcommand (flink-sql-exec.1, flink-sql-jobs-list.1, …) into DIR instead'
complete -c flink-sql -n "__fish_flink_sql_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand exec" -s f -l file -d 'A SQL file, a folder (its *.sql in name order) or - for stdin. Repeatable' -r -F
complete -c flink-sql -n "__fish_flink_sql_using_subcommand exec" -s c -l command -d 'SQL given inline. Repeatable; runs after the files' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand exec" -s e -l env -d 'Profile name: reads env/NAME.env or .NAME.env (current dir, then $FLINK_SQL_ENV_DIR). Default: $FLINK_SQL_ENV. A path to an existing file (the old executor\'s -e) is read as --env-file, with a note' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand exec" -l env-file -d 'Read the profile from this file instead' -r -F
complete -c flink-sql -n "__fish_flink_sql_using_subcommand exec" -l var -d 'Set a variable; beats the process environment and the profile. Repeatable' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand exec" -l gateway -d 'SQL Gateway URL, path prefix allowed [profile: SQL_GATEWAY_URL; default http://localhost:8083]' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand exec" -l jobmanager -d 'JobManager REST URL, used by --wait [profile: FLINK_REST_URL]' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand exec" -l header -d 'Extra HTTP header for an auth proxy, \'Name: value\'. Repeatable [profile: SQL_GATEWAY_HEADERS, one per line]. A bearer token comes from SQL_GATEWAY_TOKEN (a secret)' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand exec" -l ca-cert -d 'Extra CA certificate (PEM) to trust for https, besides the system roots [profile: FLINK_SQL_CA_CERT]' -r -F
complete -c flink-sql -n "__fish_flink_sql_using_subcommand exec" -l session-property -d 'Session property, e.g. execution.runtime-mode=batch. Repeatable [profile: FLINK_SQL_SESSION_PROPERTIES, comma separated K=V]' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand exec" -l format -d 'Result format [profile: FLINK_SQL_FORMAT]' -r -f -a "table\t'Box table with an op column for changelogs (default on a terminal)'
plain\t'Tab separated (default off a terminal)'
csv\t'RFC 4180 CSV with a header row'
json\t'One JSON document for the whole run'
ndjson\t'One JSON event per line: the CI format'"
complete -c flink-sql -n "__fish_flink_sql_using_subcommand exec" -l materialize-limit -d 'The most rows a --materialize table holds. A query whose table would grow past it fails (exit 1) and is cancelled: a cut table would show wrong totals' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand exec" -l max-rows -d 'Stop a query after this many rows (at least 1), cancel it, and count it a success [profile: FLINK_SQL_MAX_ROWS]' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand exec" -l max-wait -d 'Stop a query after this long, e.g. 30s or 2m [profile: FLINK_SQL_MAX_WAIT]' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand exec" -l wait -d 'How long to wait for each job an INSERT starts [profile: FLINK_SQL_WAIT]' -r -f -a "submitted\t'Return once the gateway gave a job id'
running\t'Wait until every vertex of the job runs'
finished\t'Wait until the job finishes (bounded sources)'"
complete -c flink-sql -n "__fish_flink_sql_using_subcommand exec" -l timeout -d 'Give up waiting (for --wait, or for a statement) after this long: exit 4. More than 0, at most 365 days [profile: FLINK_SQL_TIMEOUT; default 10m]' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand exec" -l report -d 'Write a report: junit=PATH (one test case per statement)' -r -F
complete -c flink-sql -n "__fish_flink_sql_using_subcommand exec" -l from-statement -d 'Start at statement N, numbered as the summary numbers them (across all inputs). Earlier statements are not run; those that only change the session (SET, RESET, USE, ADD JAR, CREATE TEMPORARY …, CREATE CATALOG, DDL in an in-memory catalog) are replayed silently first, so statement N finds the session it had' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand exec" -l single-statement -d 'Send each input whole as one statement instead of splitting at \';\''
complete -c flink-sql -n "__fish_flink_sql_using_subcommand exec" -l materialize -d 'Show a query\'s current rows instead of its changelog: +I and +U add a row, -U and -D remove one equal row. At a terminal the table is redrawn in place as rows arrive; otherwise the final table is printed, in --format, when the query ends or stops (Ctrl-C, --max-wait)'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand exec" -l dry-run -d 'Print the plan (statements, kinds, locations, redacted SQL) and exit; needs no gateway'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand exec" -l allow-duplicate -d 'Start an INSERT or statement set even though a job with its \'pipeline.name\' is active (RUNNING, CREATED, RESTARTING, …). Without it such a run is refused before anything is sent (exit 1)'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand exec" -l session-per-file -d 'Run each file (and each -c, and stdin) in a session of its own, so files that reuse table names or SETs do not see each other\'s. Without it, all inputs share one session'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand exec" -l continue-on-error -d 'Run the remaining statements after a failure; the exit code still reports it'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand exec" -l echo -d 'Print each statement (secrets masked) to stderr before running it'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand exec" -l timing -d 'Print how long each statement took (in the summary; `\\timing` toggles it in the shell)'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand exec" -l reconnect -d 'When the gateway loses the session (a restart) or cannot be reached, wait for it (up to --timeout), open a new session, replay the session-scoped statements already run, and go on. INSERTs and queries are never replayed; one that may have run when the session was lost is reported failed, not sent again'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand exec" -s v -l verbose -d 'More detail on stderr: -v shows full server traces and HTTP calls'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand exec" -s q -l quiet -d 'Only results and errors: no progress, no summary'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand exec" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand shell" -s e -l env -d 'Profile name: reads env/NAME.env or .NAME.env (current dir, then $FLINK_SQL_ENV_DIR). Default: $FLINK_SQL_ENV. A path to an existing file (the old executor\'s -e) is read as --env-file, with a note' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand shell" -l env-file -d 'Read the profile from this file instead' -r -F
complete -c flink-sql -n "__fish_flink_sql_using_subcommand shell" -l var -d 'Set a variable; beats the process environment and the profile. Repeatable' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand shell" -l gateway -d 'SQL Gateway URL, path prefix allowed [profile: SQL_GATEWAY_URL; default http://localhost:8083]' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand shell" -l jobmanager -d 'JobManager REST URL, used by --wait [profile: FLINK_REST_URL]' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand shell" -l header -d 'Extra HTTP header for an auth proxy, \'Name: value\'. Repeatable [profile: SQL_GATEWAY_HEADERS, one per line]. A bearer token comes from SQL_GATEWAY_TOKEN (a secret)' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand shell" -l ca-cert -d 'Extra CA certificate (PEM) to trust for https, besides the system roots [profile: FLINK_SQL_CA_CERT]' -r -F
complete -c flink-sql -n "__fish_flink_sql_using_subcommand shell" -l session-property -d 'Session property, e.g. execution.runtime-mode=batch. Repeatable [profile: FLINK_SQL_SESSION_PROPERTIES, comma separated K=V]' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand shell" -l format -d 'Result format [profile: FLINK_SQL_FORMAT]' -r -f -a "table\t'Box table with an op column for changelogs (default on a terminal)'
plain\t'Tab separated (default off a terminal)'
csv\t'RFC 4180 CSV with a header row'
json\t'One JSON document for the whole run'
ndjson\t'One JSON event per line: the CI format'"
complete -c flink-sql -n "__fish_flink_sql_using_subcommand shell" -l materialize-limit -d 'The most rows a --materialize table holds. A query whose table would grow past it fails (exit 1) and is cancelled: a cut table would show wrong totals' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand shell" -l max-rows -d 'Stop a query after this many rows (at least 1), cancel it, and count it a success [profile: FLINK_SQL_MAX_ROWS]' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand shell" -l max-wait -d 'Stop a query after this long, e.g. 30s or 2m [profile: FLINK_SQL_MAX_WAIT]' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand shell" -l wait -d 'How long to wait for each job an INSERT starts [profile: FLINK_SQL_WAIT]' -r -f -a "submitted\t'Return once the gateway gave a job id'
running\t'Wait until every vertex of the job runs'
finished\t'Wait until the job finishes (bounded sources)'"
complete -c flink-sql -n "__fish_flink_sql_using_subcommand shell" -l timeout -d 'Give up waiting (for --wait, or for a statement) after this long: exit 4. More than 0, at most 365 days [profile: FLINK_SQL_TIMEOUT; default 10m]' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand shell" -l materialize -d 'Show a query\'s current rows instead of its changelog: +I and +U add a row, -U and -D remove one equal row. At a terminal the table is redrawn in place as rows arrive; otherwise the final table is printed, in --format, when the query ends or stops (Ctrl-C, --max-wait)'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand shell" -l continue-on-error -d 'Run the remaining statements after a failure; the exit code still reports it'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand shell" -l echo -d 'Print each statement (secrets masked) to stderr before running it'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand shell" -l timing -d 'Print how long each statement took (in the summary; `\\timing` toggles it in the shell)'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand shell" -s v -l verbose -d 'More detail on stderr: -v shows full server traces and HTTP calls'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand shell" -s q -l quiet -d 'Only results and errors: no progress, no summary'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand shell" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and not __fish_seen_subcommand_from plan render up status migrate check smoke scale image down help" -s v -l verbose -d 'More detail on stderr: -v shows full server traces and HTTP calls'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and not __fish_seen_subcommand_from plan render up status migrate check smoke scale image down help" -s q -l quiet -d 'Only results and errors: no progress, no summary'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and not __fish_seen_subcommand_from plan render up status migrate check smoke scale image down help" -s h -l help -d 'Print help'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and not __fish_seen_subcommand_from plan render up status migrate check smoke scale image down help" -f -a "plan" -d 'Show the steps `up` would take; nothing runs'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and not __fish_seen_subcommand_from plan render up status migrate check smoke scale image down help" -f -a "render" -d 'Write the rendered manifests to a folder (the Kafka Secret only with --include-secrets)'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and not __fish_seen_subcommand_from plan render up status migrate check smoke scale image down help" -f -a "up" -d 'Install or upgrade everything, in order, then wait until it is ready. Idempotent'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and not __fish_seen_subcommand_from plan render up status migrate check smoke scale image down help" -f -a "status" -d 'Show whether the operator, the session cluster and the gateway are ready'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and not __fish_seen_subcommand_from plan render up status migrate check smoke scale image down help" -f -a "migrate" -d 'Clear the way for `up` where the old platform ran: list the old objects `up` would collide with (old Flink clusters, objects with the platform\'s names that flink-sql did not create, owners of pods that break Pod Security), then remove exactly those once confirmed. Stop the old cluster\'s jobs with a savepoint first'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and not __fish_seen_subcommand_from plan render up status migrate check smoke scale image down help" -f -a "check" -d 'Preflight, read-only: the RBAC verbs `up` needs (kubectl auth can-i), the operator\'s CRDs and release, NetworkPolicy support, Workload Identity, the RocksDB storage class and quota headroom. One line per check, with a hint when it fails; exit 1 when one failed'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and not __fish_seen_subcommand_from plan render up status migrate check smoke scale image down help" -f -a "smoke" -d 'After `up`: reach the gateway (its load balancer, else kubectl port-forward, always stopped), run a statement, check Kafka with the deployed Secret\'s credentials, and list a running JobManager pod\'s jars against the image\'s manifest. One line per check, with a hint when it fails; exit 1 when one failed'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and not __fish_seen_subcommand_from plan render up status migrate check smoke scale image down help" -f -a "scale" -d 'Set the number of TaskManagers: checked against the namespace\'s ResourceQuota first, then the FlinkDeployment is patched and the operator\'s report of the new size waited for. The next `up` applies the profile\'s TM_REPLICAS again'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and not __fish_seen_subcommand_from plan render up status migrate check smoke scale image down help" -f -a "image" -d 'Write the Flink image\'s build context (Dockerfile on the official Flink 2.0 image, the jar manifest, a fetch script that checks every sha256), then build and push FLINK_IMAGE with docker, podman or buildah; with none of them, print the commands'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and not __fish_seen_subcommand_from plan render up status migrate check smoke scale image down help" -f -a "down" -d 'Remove what `up` created, in reverse order. The operator stays unless --operator'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and not __fish_seen_subcommand_from plan render up status migrate check smoke scale image down help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from plan" -s e -l env -d 'Profile name: reads env/NAME.env or .NAME.env (current dir, then $FLINK_SQL_ENV_DIR). Default: $FLINK_SQL_ENV. A path to an existing file (the old executor\'s -e) is read as --env-file, with a note' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from plan" -l env-file -d 'Read the profile from this file instead' -r -F
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from plan" -l var -d 'Set a variable; beats the process environment and the profile. Repeatable' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from plan" -l context -d 'Kube context to act on [profile: K8S_CONTEXT; default: the current one, once confirmed]' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from plan" -s n -l namespace -d 'Namespace for the platform [profile: K8S_NAMESPACE; default flink-studio]' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from plan" -l dry-run -d 'Check against the cluster (server-side dry run) but change nothing'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from plan" -s v -l verbose -d 'More detail on stderr: -v shows full server traces and HTTP calls'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from plan" -s q -l quiet -d 'Only results and errors: no progress, no summary'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from plan" -s h -l help -d 'Print help'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from render" -s e -l env -d 'Profile name: reads env/NAME.env or .NAME.env (current dir, then $FLINK_SQL_ENV_DIR). Default: $FLINK_SQL_ENV. A path to an existing file (the old executor\'s -e) is read as --env-file, with a note' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from render" -l env-file -d 'Read the profile from this file instead' -r -F
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from render" -l var -d 'Set a variable; beats the process environment and the profile. Repeatable' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from render" -l context -d 'Kube context to act on [profile: K8S_CONTEXT; default: the current one, once confirmed]' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from render" -s n -l namespace -d 'Namespace for the platform [profile: K8S_NAMESPACE; default flink-studio]' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from render" -l out -d 'Folder to write the manifests to' -r -F
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from render" -l dry-run -d 'Check against the cluster (server-side dry run) but change nothing'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from render" -l include-secrets -d 'Also write the Kafka credentials Secret (mode 0600). Never to stdout'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from render" -s v -l verbose -d 'More detail on stderr: -v shows full server traces and HTTP calls'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from render" -s q -l quiet -d 'Only results and errors: no progress, no summary'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from render" -s h -l help -d 'Print help'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from up" -s e -l env -d 'Profile name: reads env/NAME.env or .NAME.env (current dir, then $FLINK_SQL_ENV_DIR). Default: $FLINK_SQL_ENV. A path to an existing file (the old executor\'s -e) is read as --env-file, with a note' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from up" -l env-file -d 'Read the profile from this file instead' -r -F
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from up" -l var -d 'Set a variable; beats the process environment and the profile. Repeatable' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from up" -l context -d 'Kube context to act on [profile: K8S_CONTEXT; default: the current one, once confirmed]' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from up" -s n -l namespace -d 'Namespace for the platform [profile: K8S_NAMESPACE; default flink-studio]' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from up" -l timeout -d 'Give up waiting for readiness after this long [profile: DEPLOY_TIMEOUT; default 10m]' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from up" -l dry-run -d 'Check against the cluster (server-side dry run) but change nothing'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from up" -s y -l yes -d 'Confirm the current kube context without a prompt (for CI)'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from up" -l no-wait -d 'Do not wait for the session cluster and gateway to become ready'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from up" -s v -l verbose -d 'More detail on stderr: -v shows full server traces and HTTP calls'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from up" -s q -l quiet -d 'Only results and errors: no progress, no summary'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from up" -s h -l help -d 'Print help'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from status" -s e -l env -d 'Profile name: reads env/NAME.env or .NAME.env (current dir, then $FLINK_SQL_ENV_DIR). Default: $FLINK_SQL_ENV. A path to an existing file (the old executor\'s -e) is read as --env-file, with a note' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from status" -l env-file -d 'Read the profile from this file instead' -r -F
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from status" -l var -d 'Set a variable; beats the process environment and the profile. Repeatable' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from status" -l context -d 'Kube context to act on [profile: K8S_CONTEXT; default: the current one, once confirmed]' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from status" -s n -l namespace -d 'Namespace for the platform [profile: K8S_NAMESPACE; default flink-studio]' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from status" -l dry-run -d 'Check against the cluster (server-side dry run) but change nothing'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from status" -s v -l verbose -d 'More detail on stderr: -v shows full server traces and HTTP calls'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from status" -s q -l quiet -d 'Only results and errors: no progress, no summary'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from status" -s h -l help -d 'Print help'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from migrate" -s e -l env -d 'Profile name: reads env/NAME.env or .NAME.env (current dir, then $FLINK_SQL_ENV_DIR). Default: $FLINK_SQL_ENV. A path to an existing file (the old executor\'s -e) is read as --env-file, with a note' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from migrate" -l env-file -d 'Read the profile from this file instead' -r -F
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from migrate" -l var -d 'Set a variable; beats the process environment and the profile. Repeatable' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from migrate" -l context -d 'Kube context to act on [profile: K8S_CONTEXT; default: the current one, once confirmed]' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from migrate" -s n -l namespace -d 'Namespace for the platform [profile: K8S_NAMESPACE; default flink-studio]' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from migrate" -l dry-run -d 'Check against the cluster (server-side dry run) but change nothing'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from migrate" -s y -l yes -d 'Confirm the context and the list without a prompt (for CI)'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from migrate" -s v -l verbose -d 'More detail on stderr: -v shows full server traces and HTTP calls'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from migrate" -s q -l quiet -d 'Only results and errors: no progress, no summary'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from migrate" -s h -l help -d 'Print help'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from check" -s e -l env -d 'Profile name: reads env/NAME.env or .NAME.env (current dir, then $FLINK_SQL_ENV_DIR). Default: $FLINK_SQL_ENV. A path to an existing file (the old executor\'s -e) is read as --env-file, with a note' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from check" -l env-file -d 'Read the profile from this file instead' -r -F
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from check" -l var -d 'Set a variable; beats the process environment and the profile. Repeatable' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from check" -l context -d 'Kube context to act on [profile: K8S_CONTEXT; default: the current one, once confirmed]' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from check" -s n -l namespace -d 'Namespace for the platform [profile: K8S_NAMESPACE; default flink-studio]' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from check" -l dry-run -d 'Check against the cluster (server-side dry run) but change nothing'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from check" -s v -l verbose -d 'More detail on stderr: -v shows full server traces and HTTP calls'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from check" -s q -l quiet -d 'Only results and errors: no progress, no summary'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from check" -s h -l help -d 'Print help'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from smoke" -s e -l env -d 'Profile name: reads env/NAME.env or .NAME.env (current dir, then $FLINK_SQL_ENV_DIR). Default: $FLINK_SQL_ENV. A path to an existing file (the old executor\'s -e) is read as --env-file, with a note' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from smoke" -l env-file -d 'Read the profile from this file instead' -r -F
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from smoke" -l var -d 'Set a variable; beats the process environment and the profile. Repeatable' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from smoke" -l context -d 'Kube context to act on [profile: K8S_CONTEXT; default: the current one, once confirmed]' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from smoke" -s n -l namespace -d 'Namespace for the platform [profile: K8S_NAMESPACE; default flink-studio]' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from smoke" -l dry-run -d 'Check against the cluster (server-side dry run) but change nothing'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from smoke" -s v -l verbose -d 'More detail on stderr: -v shows full server traces and HTTP calls'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from smoke" -s q -l quiet -d 'Only results and errors: no progress, no summary'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from smoke" -s h -l help -d 'Print help'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from scale" -s e -l env -d 'Profile name: reads env/NAME.env or .NAME.env (current dir, then $FLINK_SQL_ENV_DIR). Default: $FLINK_SQL_ENV. A path to an existing file (the old executor\'s -e) is read as --env-file, with a note' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from scale" -l env-file -d 'Read the profile from this file instead' -r -F
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from scale" -l var -d 'Set a variable; beats the process environment and the profile. Repeatable' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from scale" -l context -d 'Kube context to act on [profile: K8S_CONTEXT; default: the current one, once confirmed]' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from scale" -s n -l namespace -d 'Namespace for the platform [profile: K8S_NAMESPACE; default flink-studio]' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from scale" -l taskmanagers -d 'How many TaskManagers' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from scale" -l timeout -d 'Give up waiting for the new size after this long [profile: DEPLOY_TIMEOUT; default 10m]' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from scale" -l dry-run -d 'Check against the cluster (server-side dry run) but change nothing'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from scale" -s y -l yes -d 'Confirm the current kube context without a prompt (for CI)'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from scale" -l no-wait -d 'Do not wait for the operator to report the new size'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from scale" -s v -l verbose -d 'More detail on stderr: -v shows full server traces and HTTP calls'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from scale" -s q -l quiet -d 'Only results and errors: no progress, no summary'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from scale" -s h -l help -d 'Print help'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from image" -s e -l env -d 'Profile name: reads env/NAME.env or .NAME.env (current dir, then $FLINK_SQL_ENV_DIR). Default: $FLINK_SQL_ENV. A path to an existing file (the old executor\'s -e) is read as --env-file, with a note' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from image" -l env-file -d 'Read the profile from this file instead' -r -F
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from image" -l var -d 'Set a variable; beats the process environment and the profile. Repeatable' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from image" -l context -d 'Kube context to act on [profile: K8S_CONTEXT; default: the current one, once confirmed]' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from image" -s n -l namespace -d 'Namespace for the platform [profile: K8S_NAMESPACE; default flink-studio]' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from image" -l out -d 'Folder for the build context' -r -F
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from image" -l base -d 'Base image [default: flink:2.0.0-scala_2.12-java17]; give one with @sha256: to pin it' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from image" -l dry-run -d 'Check against the cluster (server-side dry run) but change nothing'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from image" -l no-push -d 'Build only; do not push'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from image" -s v -l verbose -d 'More detail on stderr: -v shows full server traces and HTTP calls'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from image" -s q -l quiet -d 'Only results and errors: no progress, no summary'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from image" -s h -l help -d 'Print help'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from down" -s e -l env -d 'Profile name: reads env/NAME.env or .NAME.env (current dir, then $FLINK_SQL_ENV_DIR). Default: $FLINK_SQL_ENV. A path to an existing file (the old executor\'s -e) is read as --env-file, with a note' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from down" -l env-file -d 'Read the profile from this file instead' -r -F
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from down" -l var -d 'Set a variable; beats the process environment and the profile. Repeatable' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from down" -l context -d 'Kube context to act on [profile: K8S_CONTEXT; default: the current one, once confirmed]' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from down" -s n -l namespace -d 'Namespace for the platform [profile: K8S_NAMESPACE; default flink-studio]' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from down" -l dry-run -d 'Check against the cluster (server-side dry run) but change nothing'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from down" -s y -l yes -d 'Confirm the current kube context without a prompt (for CI)'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from down" -l operator -d 'Also uninstall the operator\'s helm release (its CRDs stay: deleting them would delete every FlinkDeployment in the cluster)'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from down" -s v -l verbose -d 'More detail on stderr: -v shows full server traces and HTTP calls'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from down" -s q -l quiet -d 'Only results and errors: no progress, no summary'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from down" -s h -l help -d 'Print help'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from help" -f -a "plan" -d 'Show the steps `up` would take; nothing runs'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from help" -f -a "render" -d 'Write the rendered manifests to a folder (the Kafka Secret only with --include-secrets)'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from help" -f -a "up" -d 'Install or upgrade everything, in order, then wait until it is ready. Idempotent'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from help" -f -a "status" -d 'Show whether the operator, the session cluster and the gateway are ready'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from help" -f -a "migrate" -d 'Clear the way for `up` where the old platform ran: list the old objects `up` would collide with (old Flink clusters, objects with the platform\'s names that flink-sql did not create, owners of pods that break Pod Security), then remove exactly those once confirmed. Stop the old cluster\'s jobs with a savepoint first'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from help" -f -a "check" -d 'Preflight, read-only: the RBAC verbs `up` needs (kubectl auth can-i), the operator\'s CRDs and release, NetworkPolicy support, Workload Identity, the RocksDB storage class and quota headroom. One line per check, with a hint when it fails; exit 1 when one failed'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from help" -f -a "smoke" -d 'After `up`: reach the gateway (its load balancer, else kubectl port-forward, always stopped), run a statement, check Kafka with the deployed Secret\'s credentials, and list a running JobManager pod\'s jars against the image\'s manifest. One line per check, with a hint when it fails; exit 1 when one failed'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from help" -f -a "scale" -d 'Set the number of TaskManagers: checked against the namespace\'s ResourceQuota first, then the FlinkDeployment is patched and the operator\'s report of the new size waited for. The next `up` applies the profile\'s TM_REPLICAS again'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from help" -f -a "image" -d 'Write the Flink image\'s build context (Dockerfile on the official Flink 2.0 image, the jar manifest, a fetch script that checks every sha256), then build and push FLINK_IMAGE with docker, podman or buildah; with none of them, print the commands'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from help" -f -a "down" -d 'Remove what `up` created, in reverse order. The operator stays unless --operator'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand deploy; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand env; and not __fish_seen_subcommand_from show help" -s v -l verbose -d 'More detail on stderr: -v shows full server traces and HTTP calls'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand env; and not __fish_seen_subcommand_from show help" -s q -l quiet -d 'Only results and errors: no progress, no summary'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand env; and not __fish_seen_subcommand_from show help" -s h -l help -d 'Print help'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand env; and not __fish_seen_subcommand_from show help" -f -a "show" -d 'List every variable with its source (--var, the process environment, or the profile file and line) and its value, secrets masked. Shows what each value overrides'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand env; and not __fish_seen_subcommand_from show help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand env; and __fish_seen_subcommand_from show" -s e -l env -d 'Profile name: reads env/NAME.env or .NAME.env (current dir, then $FLINK_SQL_ENV_DIR). Default: $FLINK_SQL_ENV. A path to an existing file (the old executor\'s -e) is read as --env-file, with a note' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand env; and __fish_seen_subcommand_from show" -l env-file -d 'Read the profile from this file instead' -r -F
complete -c flink-sql -n "__fish_flink_sql_using_subcommand env; and __fish_seen_subcommand_from show" -l var -d 'Set a variable; beats the process environment and the profile. Repeatable' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand env; and __fish_seen_subcommand_from show" -l all -d 'Also list the process environment variables that neither the profile, --var nor the tool\'s own settings name'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand env; and __fish_seen_subcommand_from show" -s v -l verbose -d 'More detail on stderr: -v shows full server traces and HTTP calls'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand env; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Only results and errors: no progress, no summary'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand env; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand env; and __fish_seen_subcommand_from help" -f -a "show" -d 'List every variable with its source (--var, the process environment, or the profile file and line) and its value, secrets masked. Shows what each value overrides'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand env; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and not __fish_seen_subcommand_from list show cancel stop savepoint savepoints resume apply status watch ui help" -s v -l verbose -d 'More detail on stderr: -v shows full server traces and HTTP calls'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and not __fish_seen_subcommand_from list show cancel stop savepoint savepoints resume apply status watch ui help" -s q -l quiet -d 'Only results and errors: no progress, no summary'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and not __fish_seen_subcommand_from list show cancel stop savepoint savepoints resume apply status watch ui help" -s h -l help -d 'Print help'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and not __fish_seen_subcommand_from list show cancel stop savepoint savepoints resume apply status watch ui help" -f -a "list" -d 'Jobs with pipeline name, state, tasks, start time and duration (one /jobs/overview call). Default: active jobs and those that ended within the last hour, active first, newest first'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and not __fish_seen_subcommand_from list show cancel stop savepoint savepoints resume apply status watch ui help" -f -a "show" -d 'State, times, health, vertices, parallelism, checkpoints, restored-from and latest exceptions of a job (by id), or of a pipeline\'s active jobs (by name; its newest run when none is active)'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and not __fish_seen_subcommand_from list show cancel stop savepoint savepoints resume apply status watch ui help" -f -a "cancel" -d 'Cancel a job, a pipeline\'s running jobs, or every running job whose name matches --name'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and not __fish_seen_subcommand_from list show cancel stop savepoint savepoints resume apply status watch ui help" -f -a "stop" -d 'Stop a job with a savepoint (POST /jobs/{id}/stop) and print the savepoint path. Without DIR the savepoint goes to <cluster savepoint dir>/<pipeline name>/. To stop without a savepoint, use cancel'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and not __fish_seen_subcommand_from list show cancel stop savepoint savepoints resume apply status watch ui help" -f -a "savepoint" -d 'Take a savepoint without stopping, wait for it, print its path'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and not __fish_seen_subcommand_from list show cancel stop savepoint savepoints resume apply status watch ui help" -f -a "savepoints" -d 'A pipeline\'s savepoints, newest first: from the JobManager\'s checkpoint history and from listing <savepoint dir>/<pipeline name>/ (file:// only). Exit 1 when none is found'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and not __fish_seen_subcommand_from list show cancel stop savepoint savepoints resume apply status watch ui help" -f -a "resume" -d 'Run a pipeline file again, restoring from a savepoint (execution.state-recovery.path). Refused while the pipeline has an active job (exit 1), unless --allow-duplicate'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and not __fish_seen_subcommand_from list show cancel stop savepoint savepoints resume apply status watch ui help" -f -a "apply" -d 'Make the cluster run a folder of pipelines: every *.sql file that sets \'pipeline.name\' is one, run in a session of its own. Prints the plan first (start / keep / upgrade / changed / duplicated / unexpected): not running → start (from its latest savepoint when one exists); running this SQL (same hash) → keep; running other SQL → upgrade. Running it twice changes nothing'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and not __fish_seen_subcommand_from list show cancel stop savepoint savepoints resume apply status watch ui help" -f -a "status" -d 'The folder\'s pipelines against the cluster: running, changed (other SQL), missing, failed, restarting (or tasks not all running), duplicated, unexpected (a pipeline runs that no file names). Exit 1 when anything is not `running`: for CI and cron'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and not __fish_seen_subcommand_from list show cancel stop savepoint savepoints resume apply status watch ui help" -f -a "watch" -d 'Cluster health: TaskManagers, free slots, running/restarting/failed jobs, jobs whose tasks are not all RUNNING, failing checkpoints. Repeats every --interval until Ctrl-C'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and not __fish_seen_subcommand_from list show cancel stop savepoint savepoints resume apply status watch ui help" -f -a "ui" -d 'The pipelines screen: one row per pipeline of DIR with its `jobs status` verdict, uptime, last checkpoint, latest savepoint, restarts and latest exception, refreshed every few seconds; Enter starts (as `jobs resume`), stops with a savepoint, cancels or shows a pipeline; `a` runs `jobs apply` after showing its plan. Not a terminal, or TERM=dumb: the table is printed once'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and not __fish_seen_subcommand_from list show cancel stop savepoint savepoints resume apply status watch ui help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from list" -s e -l env -d 'Profile name: reads env/NAME.env or .NAME.env (current dir, then $FLINK_SQL_ENV_DIR). Default: $FLINK_SQL_ENV. A path to an existing file (the old executor\'s -e) is read as --env-file, with a note' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from list" -l env-file -d 'Read the profile from this file instead' -r -F
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from list" -l var -d 'Set a variable; beats the process environment and the profile. Repeatable' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from list" -l jobmanager -d 'JobManager REST URL [profile: FLINK_REST_URL; default: next to a local gateway]' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from list" -l header -d 'Extra HTTP header for an auth proxy, \'Name: value\'. Repeatable [profile: SQL_GATEWAY_HEADERS]. The bearer token SQL_GATEWAY_TOKEN is sent too' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from list" -l ca-cert -d 'Extra CA certificate (PEM) to trust for https [profile: FLINK_SQL_CA_CERT]' -r -F
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from list" -l format -d 'Output format [default: table on a terminal, plain otherwise]' -r -f -a "table\t'Box table (default on a terminal)'
plain\t'Tab separated; for stop/savepoint just the savepoint path (default off a terminal)'
json\t'One JSON document'
ndjson\t'One JSON object per line'"
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from list" -l state -d 'Only jobs in this state (RUNNING, FAILED, …); repeatable or comma separated. Includes ended jobs of any age the JobManager remembers' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from list" -l name -d 'Only jobs whose name matches this regex (anywhere in the name)' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from list" -l all -d 'Every job the JobManager remembers (ended jobs stay for jobstore.expiration-time)'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from list" -s v -l verbose -d 'More detail on stderr: -v shows full server traces and HTTP calls'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Only results and errors: no progress, no summary'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from show" -s e -l env -d 'Profile name: reads env/NAME.env or .NAME.env (current dir, then $FLINK_SQL_ENV_DIR). Default: $FLINK_SQL_ENV. A path to an existing file (the old executor\'s -e) is read as --env-file, with a note' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from show" -l env-file -d 'Read the profile from this file instead' -r -F
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from show" -l var -d 'Set a variable; beats the process environment and the profile. Repeatable' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from show" -l jobmanager -d 'JobManager REST URL [profile: FLINK_REST_URL; default: next to a local gateway]' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from show" -l header -d 'Extra HTTP header for an auth proxy, \'Name: value\'. Repeatable [profile: SQL_GATEWAY_HEADERS]. The bearer token SQL_GATEWAY_TOKEN is sent too' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from show" -l ca-cert -d 'Extra CA certificate (PEM) to trust for https [profile: FLINK_SQL_CA_CERT]' -r -F
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from show" -l format -d 'Output format [default: table on a terminal, plain otherwise]' -r -f -a "table\t'Box table (default on a terminal)'
plain\t'Tab separated; for stop/savepoint just the savepoint path (default off a terminal)'
json\t'One JSON document'
ndjson\t'One JSON object per line'"
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from show" -s v -l verbose -d 'More detail on stderr: -v shows full server traces and HTTP calls'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Only results and errors: no progress, no summary'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from cancel" -s e -l env -d 'Profile name: reads env/NAME.env or .NAME.env (current dir, then $FLINK_SQL_ENV_DIR). Default: $FLINK_SQL_ENV. A path to an existing file (the old executor\'s -e) is read as --env-file, with a note' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from cancel" -l env-file -d 'Read the profile from this file instead' -r -F
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from cancel" -l var -d 'Set a variable; beats the process environment and the profile. Repeatable' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from cancel" -l jobmanager -d 'JobManager REST URL [profile: FLINK_REST_URL; default: next to a local gateway]' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from cancel" -l header -d 'Extra HTTP header for an auth proxy, \'Name: value\'. Repeatable [profile: SQL_GATEWAY_HEADERS]. The bearer token SQL_GATEWAY_TOKEN is sent too' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from cancel" -l ca-cert -d 'Extra CA certificate (PEM) to trust for https [profile: FLINK_SQL_CA_CERT]' -r -F
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from cancel" -l format -d 'Output format [default: table on a terminal, plain otherwise]' -r -f -a "table\t'Box table (default on a terminal)'
plain\t'Tab separated; for stop/savepoint just the savepoint path (default off a terminal)'
json\t'One JSON document'
ndjson\t'One JSON object per line'"
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from cancel" -l timeout -d 'Give up waiting for the savepoint, stop or cancel after this long: exit 4 [default 10m]' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from cancel" -l name -d 'Every running job whose name matches this regex' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from cancel" -s y -l yes -d 'Act on several matching jobs without asking (needed off a terminal)'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from cancel" -l dry-run -d 'Show which jobs would be affected and how; change nothing'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from cancel" -s v -l verbose -d 'More detail on stderr: -v shows full server traces and HTTP calls'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from cancel" -s q -l quiet -d 'Only results and errors: no progress, no summary'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from cancel" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from stop" -s e -l env -d 'Profile name: reads env/NAME.env or .NAME.env (current dir, then $FLINK_SQL_ENV_DIR). Default: $FLINK_SQL_ENV. A path to an existing file (the old executor\'s -e) is read as --env-file, with a note' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from stop" -l env-file -d 'Read the profile from this file instead' -r -F
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from stop" -l var -d 'Set a variable; beats the process environment and the profile. Repeatable' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from stop" -l jobmanager -d 'JobManager REST URL [profile: FLINK_REST_URL; default: next to a local gateway]' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from stop" -l header -d 'Extra HTTP header for an auth proxy, \'Name: value\'. Repeatable [profile: SQL_GATEWAY_HEADERS]. The bearer token SQL_GATEWAY_TOKEN is sent too' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from stop" -l ca-cert -d 'Extra CA certificate (PEM) to trust for https [profile: FLINK_SQL_CA_CERT]' -r -F
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from stop" -l format -d 'Output format [default: table on a terminal, plain otherwise]' -r -f -a "table\t'Box table (default on a terminal)'
plain\t'Tab separated; for stop/savepoint just the savepoint path (default off a terminal)'
json\t'One JSON document'
ndjson\t'One JSON object per line'"
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from stop" -l timeout -d 'Give up waiting for the savepoint, stop or cancel after this long: exit 4 [default 10m]' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from stop" -l savepoint -d 'Where the savepoint goes (a stop always takes one); DIR is used as given' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from stop" -s y -l yes -d 'Act on several matching jobs without asking (needed off a terminal)'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from stop" -l dry-run -d 'Show which jobs would be affected and how; change nothing'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from stop" -l drain -d 'Emit MAX_WATERMARK before stopping: event-time windows and timers fire (the job\'s state then reflects the end of input)'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from stop" -s v -l verbose -d 'More detail on stderr: -v shows full server traces and HTTP calls'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from stop" -s q -l quiet -d 'Only results and errors: no progress, no summary'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from stop" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from savepoint" -s e -l env -d 'Profile name: reads env/NAME.env or .NAME.env (current dir, then $FLINK_SQL_ENV_DIR). Default: $FLINK_SQL_ENV. A path to an existing file (the old executor\'s -e) is read as --env-file, with a note' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from savepoint" -l env-file -d 'Read the profile from this file instead' -r -F
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from savepoint" -l var -d 'Set a variable; beats the process environment and the profile. Repeatable' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from savepoint" -l jobmanager -d 'JobManager REST URL [profile: FLINK_REST_URL; default: next to a local gateway]' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from savepoint" -l header -d 'Extra HTTP header for an auth proxy, \'Name: value\'. Repeatable [profile: SQL_GATEWAY_HEADERS]. The bearer token SQL_GATEWAY_TOKEN is sent too' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from savepoint" -l ca-cert -d 'Extra CA certificate (PEM) to trust for https [profile: FLINK_SQL_CA_CERT]' -r -F
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from savepoint" -l format -d 'Output format [default: table on a terminal, plain otherwise]' -r -f -a "table\t'Box table (default on a terminal)'
plain\t'Tab separated; for stop/savepoint just the savepoint path (default off a terminal)'
json\t'One JSON document'
ndjson\t'One JSON object per line'"
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from savepoint" -l timeout -d 'Give up waiting for the savepoint, stop or cancel after this long: exit 4 [default 10m]' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from savepoint" -s y -l yes -d 'Act on several matching jobs without asking (needed off a terminal)'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from savepoint" -l dry-run -d 'Show which jobs would be affected and how; change nothing'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from savepoint" -s v -l verbose -d 'More detail on stderr: -v shows full server traces and HTTP calls'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from savepoint" -s q -l quiet -d 'Only results and errors: no progress, no summary'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from savepoint" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from savepoints" -s e -l env -d 'Profile name: reads env/NAME.env or .NAME.env (current dir, then $FLINK_SQL_ENV_DIR). Default: $FLINK_SQL_ENV. A path to an existing file (the old executor\'s -e) is read as --env-file, with a note' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from savepoints" -l env-file -d 'Read the profile from this file instead' -r -F
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from savepoints" -l var -d 'Set a variable; beats the process environment and the profile. Repeatable' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from savepoints" -l jobmanager -d 'JobManager REST URL [profile: FLINK_REST_URL; default: next to a local gateway]' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from savepoints" -l header -d 'Extra HTTP header for an auth proxy, \'Name: value\'. Repeatable [profile: SQL_GATEWAY_HEADERS]. The bearer token SQL_GATEWAY_TOKEN is sent too' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from savepoints" -l ca-cert -d 'Extra CA certificate (PEM) to trust for https [profile: FLINK_SQL_CA_CERT]' -r -F
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from savepoints" -l format -d 'Output format [default: table on a terminal, plain otherwise]' -r -f -a "table\t'Box table (default on a terminal)'
plain\t'Tab separated; for stop/savepoint just the savepoint path (default off a terminal)'
json\t'One JSON document'
ndjson\t'One JSON object per line'"
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from savepoints" -s v -l verbose -d 'More detail on stderr: -v shows full server traces and HTTP calls'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from savepoints" -s q -l quiet -d 'Only results and errors: no progress, no summary'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from savepoints" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from resume" -s e -l env -d 'Profile name: reads env/NAME.env or .NAME.env (current dir, then $FLINK_SQL_ENV_DIR). Default: $FLINK_SQL_ENV. A path to an existing file (the old executor\'s -e) is read as --env-file, with a note' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from resume" -l env-file -d 'Read the profile from this file instead' -r -F
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from resume" -l var -d 'Set a variable; beats the process environment and the profile. Repeatable' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from resume" -l jobmanager -d 'JobManager REST URL [profile: FLINK_REST_URL; default: next to a local gateway]' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from resume" -l header -d 'Extra HTTP header for an auth proxy, \'Name: value\'. Repeatable [profile: SQL_GATEWAY_HEADERS]. The bearer token SQL_GATEWAY_TOKEN is sent too' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from resume" -l ca-cert -d 'Extra CA certificate (PEM) to trust for https [profile: FLINK_SQL_CA_CERT]' -r -F
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from resume" -l format -d 'Output format [default: table on a terminal, plain otherwise]' -r -f -a "table\t'Box table (default on a terminal)'
plain\t'Tab separated; for stop/savepoint just the savepoint path (default off a terminal)'
json\t'One JSON document'
ndjson\t'One JSON object per line'"
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from resume" -l timeout -d 'Give up waiting for the savepoint, stop or cancel after this long: exit 4 [default 10m]' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from resume" -l from -d 'The savepoint to restore from, or `latest`: the newest one the JobManager\'s history and <savepoint dir>/<pipeline name>/ know [default: latest]' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from resume" -s y -l yes -d 'Act on several matching jobs without asking (needed off a terminal)'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from resume" -l dry-run -d 'Show which jobs would be affected and how; change nothing'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from resume" -l allow-duplicate -d 'Start even though the pipeline already has an active job'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from resume" -s v -l verbose -d 'More detail on stderr: -v shows full server traces and HTTP calls'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from resume" -s q -l quiet -d 'Only results and errors: no progress, no summary'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from resume" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from apply" -s e -l env -d 'Profile name: reads env/NAME.env or .NAME.env (current dir, then $FLINK_SQL_ENV_DIR). Default: $FLINK_SQL_ENV. A path to an existing file (the old executor\'s -e) is read as --env-file, with a note' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from apply" -l env-file -d 'Read the profile from this file instead' -r -F
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from apply" -l var -d 'Set a variable; beats the process environment and the profile. Repeatable' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from apply" -l jobmanager -d 'JobManager REST URL [profile: FLINK_REST_URL; default: next to a local gateway]' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from apply" -l header -d 'Extra HTTP header for an auth proxy, \'Name: value\'. Repeatable [profile: SQL_GATEWAY_HEADERS]. The bearer token SQL_GATEWAY_TOKEN is sent too' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from apply" -l ca-cert -d 'Extra CA certificate (PEM) to trust for https [profile: FLINK_SQL_CA_CERT]' -r -F
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from apply" -l format -d 'Output format [default: table on a terminal, plain otherwise]' -r -f -a "table\t'Box table (default on a terminal)'
plain\t'Tab separated; for stop/savepoint just the savepoint path (default off a terminal)'
json\t'One JSON document'
ndjson\t'One JSON object per line'"
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from apply" -l timeout -d 'Give up waiting for the savepoint, stop or cancel after this long: exit 4 [default 10m]' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from apply" -l upgrade -d 'How a running pipeline whose SQL changed is upgraded: stop it with a savepoint and start the new SQL from it; cancel it and start without state; or leave it (exit 1)' -r -f -a "savepoint\t'Stop with a savepoint, start the new SQL from it'
stateless\t'Cancel, start the new SQL without state'
none\t'Leave running pipelines alone (a changed one is reported, exit 1)'"
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from apply" -s y -l yes -d 'Act on several matching jobs without asking (needed off a terminal)'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from apply" -l dry-run -d 'Show which jobs would be affected and how; change nothing'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from apply" -l allow-state-loss -d 'Upgrade through a savepoint even when the upgrade verdict says the new SQL loses state (without it, such an apply is refused before anything is stopped: exit 1)'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from apply" -s v -l verbose -d 'More detail on stderr: -v shows full server traces and HTTP calls'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from apply" -s q -l quiet -d 'Only results and errors: no progress, no summary'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from apply" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from status" -s e -l env -d 'Profile name: reads env/NAME.env or .NAME.env (current dir, then $FLINK_SQL_ENV_DIR). Default: $FLINK_SQL_ENV. A path to an existing file (the old executor\'s -e) is read as --env-file, with a note' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from status" -l env-file -d 'Read the profile from this file instead' -r -F
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from status" -l var -d 'Set a variable; beats the process environment and the profile. Repeatable' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from status" -l jobmanager -d 'JobManager REST URL [profile: FLINK_REST_URL; default: next to a local gateway]' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from status" -l header -d 'Extra HTTP header for an auth proxy, \'Name: value\'. Repeatable [profile: SQL_GATEWAY_HEADERS]. The bearer token SQL_GATEWAY_TOKEN is sent too' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from status" -l ca-cert -d 'Extra CA certificate (PEM) to trust for https [profile: FLINK_SQL_CA_CERT]' -r -F
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from status" -l format -d 'Output format [default: table on a terminal, plain otherwise]' -r -f -a "table\t'Box table (default on a terminal)'
plain\t'Tab separated; for stop/savepoint just the savepoint path (default off a terminal)'
json\t'One JSON document'
ndjson\t'One JSON object per line'"
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from status" -s v -l verbose -d 'More detail on stderr: -v shows full server traces and HTTP calls'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from status" -s q -l quiet -d 'Only results and errors: no progress, no summary'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from status" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from watch" -s e -l env -d 'Profile name: reads env/NAME.env or .NAME.env (current dir, then $FLINK_SQL_ENV_DIR). Default: $FLINK_SQL_ENV. A path to an existing file (the old executor\'s -e) is read as --env-file, with a note' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from watch" -l env-file -d 'Read the profile from this file instead' -r -F
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from watch" -l var -d 'Set a variable; beats the process environment and the profile. Repeatable' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from watch" -l jobmanager -d 'JobManager REST URL [profile: FLINK_REST_URL; default: next to a local gateway]' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from watch" -l header -d 'Extra HTTP header for an auth proxy, \'Name: value\'. Repeatable [profile: SQL_GATEWAY_HEADERS]. The bearer token SQL_GATEWAY_TOKEN is sent too' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from watch" -l ca-cert -d 'Extra CA certificate (PEM) to trust for https [profile: FLINK_SQL_CA_CERT]' -r -F
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from watch" -l format -d 'Output format [default: table on a terminal, plain otherwise]' -r -f -a "table\t'Box table (default on a terminal)'
plain\t'Tab separated; for stop/savepoint just the savepoint path (default off a terminal)'
json\t'One JSON document'
ndjson\t'One JSON object per line'"
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from watch" -l interval -d 'Time between looks' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from watch" -l once -d 'Look once and exit: 0 when healthy, 1 when not'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from watch" -s v -l verbose -d 'More detail on stderr: -v shows full server traces and HTTP calls'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from watch" -s q -l quiet -d 'Only results and errors: no progress, no summary'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from watch" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from ui" -s e -l env -d 'Profile name: reads env/NAME.env or .NAME.env (current dir, then $FLINK_SQL_ENV_DIR). Default: $FLINK_SQL_ENV. A path to an existing file (the old executor\'s -e) is read as --env-file, with a note' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from ui" -l env-file -d 'Read the profile from this file instead' -r -F
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from ui" -l var -d 'Set a variable; beats the process environment and the profile. Repeatable' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from ui" -l jobmanager -d 'JobManager REST URL [profile: FLINK_REST_URL; default: next to a local gateway]' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from ui" -l header -d 'Extra HTTP header for an auth proxy, \'Name: value\'. Repeatable [profile: SQL_GATEWAY_HEADERS]. The bearer token SQL_GATEWAY_TOKEN is sent too' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from ui" -l ca-cert -d 'Extra CA certificate (PEM) to trust for https [profile: FLINK_SQL_CA_CERT]' -r -F
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from ui" -l format -d 'Output format [default: table on a terminal, plain otherwise]' -r -f -a "table\t'Box table (default on a terminal)'
plain\t'Tab separated; for stop/savepoint just the savepoint path (default off a terminal)'
json\t'One JSON document'
ndjson\t'One JSON object per line'"
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from ui" -l timeout -d 'Give up waiting for the savepoint, stop or cancel after this long: exit 4 [default 10m]' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from ui" -s y -l yes -d 'Act on several matching jobs without asking (needed off a terminal)'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from ui" -l dry-run -d 'Show which jobs would be affected and how; change nothing'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from ui" -s v -l verbose -d 'More detail on stderr: -v shows full server traces and HTTP calls'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from ui" -s q -l quiet -d 'Only results and errors: no progress, no summary'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from ui" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from help" -f -a "list" -d 'Jobs with pipeline name, state, tasks, start time and duration (one /jobs/overview call). Default: active jobs and those that ended within the last hour, active first, newest first'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from help" -f -a "show" -d 'State, times, health, vertices, parallelism, checkpoints, restored-from and latest exceptions of a job (by id), or of a pipeline\'s active jobs (by name; its newest run when none is active)'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from help" -f -a "cancel" -d 'Cancel a job, a pipeline\'s running jobs, or every running job whose name matches --name'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from help" -f -a "stop" -d 'Stop a job with a savepoint (POST /jobs/{id}/stop) and print the savepoint path. Without DIR the savepoint goes to <cluster savepoint dir>/<pipeline name>/. To stop without a savepoint, use cancel'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from help" -f -a "savepoint" -d 'Take a savepoint without stopping, wait for it, print its path'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from help" -f -a "savepoints" -d 'A pipeline\'s savepoints, newest first: from the JobManager\'s checkpoint history and from listing <savepoint dir>/<pipeline name>/ (file:// only). Exit 1 when none is found'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from help" -f -a "resume" -d 'Run a pipeline file again, restoring from a savepoint (execution.state-recovery.path). Refused while the pipeline has an active job (exit 1), unless --allow-duplicate'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from help" -f -a "apply" -d 'Make the cluster run a folder of pipelines: every *.sql file that sets \'pipeline.name\' is one, run in a session of its own. Prints the plan first (start / keep / upgrade / changed / duplicated / unexpected): not running → start (from its latest savepoint when one exists); running this SQL (same hash) → keep; running other SQL → upgrade. Running it twice changes nothing'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from help" -f -a "status" -d 'The folder\'s pipelines against the cluster: running, changed (other SQL), missing, failed, restarting (or tasks not all running), duplicated, unexpected (a pipeline runs that no file names). Exit 1 when anything is not `running`: for CI and cron'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from help" -f -a "watch" -d 'Cluster health: TaskManagers, free slots, running/restarting/failed jobs, jobs whose tasks are not all RUNNING, failing checkpoints. Repeats every --interval until Ctrl-C'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from help" -f -a "ui" -d 'The pipelines screen: one row per pipeline of DIR with its `jobs status` verdict, uptime, last checkpoint, latest savepoint, restarts and latest exception, refreshed every few seconds; Enter starts (as `jobs resume`), stops with a savepoint, cancels or shows a pipeline; `a` runs `jobs apply` after showing its plan. Not a terminal, or TERM=dumb: the table is printed once'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand jobs; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand doctor" -s e -l env -d 'Profile name: reads env/NAME.env or .NAME.env (current dir, then $FLINK_SQL_ENV_DIR). Default: $FLINK_SQL_ENV. A path to an existing file (the old executor\'s -e) is read as --env-file, with a note' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand doctor" -l env-file -d 'Read the profile from this file instead' -r -F
complete -c flink-sql -n "__fish_flink_sql_using_subcommand doctor" -l var -d 'Set a variable; beats the process environment and the profile. Repeatable' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand doctor" -l gateway -d 'SQL Gateway URL, path prefix allowed [profile: SQL_GATEWAY_URL; default http://localhost:8083]' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand doctor" -l jobmanager -d 'JobManager REST URL, used by --wait [profile: FLINK_REST_URL]' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand doctor" -l header -d 'Extra HTTP header for an auth proxy, \'Name: value\'. Repeatable [profile: SQL_GATEWAY_HEADERS, one per line]. A bearer token comes from SQL_GATEWAY_TOKEN (a secret)' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand doctor" -l ca-cert -d 'Extra CA certificate (PEM) to trust for https, besides the system roots [profile: FLINK_SQL_CA_CERT]' -r -F
complete -c flink-sql -n "__fish_flink_sql_using_subcommand doctor" -l session-property -d 'Session property, e.g. execution.runtime-mode=batch. Repeatable [profile: FLINK_SQL_SESSION_PROPERTIES, comma separated K=V]' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand doctor" -s v -l verbose -d 'More detail on stderr: -v shows full server traces and HTTP calls'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand doctor" -s q -l quiet -d 'Only results and errors: no progress, no summary'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand doctor" -s h -l help -d 'Print help'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand check" -s e -l env -d 'Profile name: reads env/NAME.env or .NAME.env (current dir, then $FLINK_SQL_ENV_DIR). Default: $FLINK_SQL_ENV. A path to an existing file (the old executor\'s -e) is read as --env-file, with a note' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand check" -l env-file -d 'Read the profile from this file instead' -r -F
complete -c flink-sql -n "__fish_flink_sql_using_subcommand check" -l var -d 'Set a variable; beats the process environment and the profile. Repeatable' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand check" -l gateway -d 'SQL Gateway URL, path prefix allowed [profile: SQL_GATEWAY_URL; default http://localhost:8083]' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand check" -l jobmanager -d 'JobManager REST URL, used by --wait [profile: FLINK_REST_URL]' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand check" -l header -d 'Extra HTTP header for an auth proxy, \'Name: value\'. Repeatable [profile: SQL_GATEWAY_HEADERS, one per line]. A bearer token comes from SQL_GATEWAY_TOKEN (a secret)' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand check" -l ca-cert -d 'Extra CA certificate (PEM) to trust for https, besides the system roots [profile: FLINK_SQL_CA_CERT]' -r -F
complete -c flink-sql -n "__fish_flink_sql_using_subcommand check" -l session-property -d 'Session property, e.g. execution.runtime-mode=batch. Repeatable [profile: FLINK_SQL_SESSION_PROPERTIES, comma separated K=V]' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand check" -l format -d 'How findings are written to stdout' -r -f -a "text\t'`file:line:col: severity[RULE]: message` with a caret excerpt'
json\t'One JSON document: findings and counts'
sarif\t'SARIF 2.1.0, for GitHub code scanning'"
complete -c flink-sql -n "__fish_flink_sql_using_subcommand check" -l timeout -d 'Give up on one statement after this long; it is reported as failing the check [profile: FLINK_SQL_TIMEOUT; default 10m]' -r
complete -c flink-sql -n "__fish_flink_sql_using_subcommand check" -l strict -d 'Warnings fail the check too (planner warnings, lint warnings)'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand check" -l offline -d 'Lint only: no gateway, no schema registry'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand check" -s v -l verbose -d 'More detail on stderr: -v shows full server traces and HTTP calls'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand check" -s q -l quiet -d 'Only results and errors: no progress, no summary'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand check" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand completions" -s v -l verbose -d 'More detail on stderr: -v shows full server traces and HTTP calls'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand completions" -s q -l quiet -d 'Only results and errors: no progress, no summary'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand completions" -s h -l help -d 'Print help'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand man" -l dir -d 'Folder to write every page into, e.g. ~/.local/share/man/man1' -r -F
complete -c flink-sql -n "__fish_flink_sql_using_subcommand man" -s v -l verbose -d 'More detail on stderr: -v shows full server traces and HTTP calls'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand man" -s q -l quiet -d 'Only results and errors: no progress, no summary'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand man" -s h -l help -d 'Print help'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand help; and not __fish_seen_subcommand_from exec shell deploy env jobs doctor check completions man help" -f -a "exec" -d 'Run SQL files, folders, stdin or -c statements in one gateway session'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand help; and not __fish_seen_subcommand_from exec shell deploy env jobs doctor check completions man help" -f -a "shell" -d 'An interactive SQL prompt in one gateway session (piped stdin runs as `exec -f -`)'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand help; and not __fish_seen_subcommand_from exec shell deploy env jobs doctor check completions man help" -f -a "deploy" -d 'Deploy the Flink SQL platform to Kubernetes (operator, session cluster, SQL Gateway)'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand help; and not __fish_seen_subcommand_from exec shell deploy env jobs doctor check completions man help" -f -a "env" -d 'Profiles: show the variables a run would see and where each one comes from'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand help; and not __fish_seen_subcommand_from exec shell deploy env jobs doctor check completions man help" -f -a "jobs" -d 'List, inspect, stop, savepoint and cancel jobs through the JobManager REST API'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand help; and not __fish_seen_subcommand_from exec shell deploy env jobs doctor check completions man help" -f -a "doctor" -d 'Check this profile\'s connections, one line per check with a hint when it fails: the gateway and the JobManager (reachability, latency), the API version and what it allows, TLS and headers in use (names only), a session round trip, the Flink version and free slots, and the Kafka brokers and schema registry the profile names (TCP, and TLS where the profile says so). Exit 1 when a check failed'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand help; and not __fish_seen_subcommand_from exec shell deploy env jobs doctor check completions man help" -f -a "check" -d 'Check SQL files or folders before they run: lint, validation in a throwaway session (EXPLAIN, no job starts), planner advice, schema-registry contracts'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand help; and not __fish_seen_subcommand_from exec shell deploy env jobs doctor check completions man help" -f -a "completions" -d 'Print a shell completion script'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand help; and not __fish_seen_subcommand_from exec shell deploy env jobs doctor check completions man help" -f -a "man" -d 'Print the man page (troff). With --dir, write the pages of flink-sql and of every subcommand (flink-sql-exec.1, flink-sql-jobs-list.1, …) into DIR instead'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand help; and not __fish_seen_subcommand_from exec shell deploy env jobs doctor check completions man help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand help; and __fish_seen_subcommand_from deploy" -f -a "plan" -d 'Show the steps `up` would take; nothing runs'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand help; and __fish_seen_subcommand_from deploy" -f -a "render" -d 'Write the rendered manifests to a folder (the Kafka Secret only with --include-secrets)'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand help; and __fish_seen_subcommand_from deploy" -f -a "up" -d 'Install or upgrade everything, in order, then wait until it is ready. Idempotent'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand help; and __fish_seen_subcommand_from deploy" -f -a "status" -d 'Show whether the operator, the session cluster and the gateway are ready'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand help; and __fish_seen_subcommand_from deploy" -f -a "migrate" -d 'Clear the way for `up` where the old platform ran: list the old objects `up` would collide with (old Flink clusters, objects with the platform\'s names that flink-sql did not create, owners of pods that break Pod Security), then remove exactly those once confirmed. Stop the old cluster\'s jobs with a savepoint first'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand help; and __fish_seen_subcommand_from deploy" -f -a "check" -d 'Preflight, read-only: the RBAC verbs `up` needs (kubectl auth can-i), the operator\'s CRDs and release, NetworkPolicy support, Workload Identity, the RocksDB storage class and quota headroom. One line per check, with a hint when it fails; exit 1 when one failed'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand help; and __fish_seen_subcommand_from deploy" -f -a "smoke" -d 'After `up`: reach the gateway (its load balancer, else kubectl port-forward, always stopped), run a statement, check Kafka with the deployed Secret\'s credentials, and list a running JobManager pod\'s jars against the image\'s manifest. One line per check, with a hint when it fails; exit 1 when one failed'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand help; and __fish_seen_subcommand_from deploy" -f -a "scale" -d 'Set the number of TaskManagers: checked against the namespace\'s ResourceQuota first, then the FlinkDeployment is patched and the operator\'s report of the new size waited for. The next `up` applies the profile\'s TM_REPLICAS again'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand help; and __fish_seen_subcommand_from deploy" -f -a "image" -d 'Write the Flink image\'s build context (Dockerfile on the official Flink 2.0 image, the jar manifest, a fetch script that checks every sha256), then build and push FLINK_IMAGE with docker, podman or buildah; with none of them, print the commands'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand help; and __fish_seen_subcommand_from deploy" -f -a "down" -d 'Remove what `up` created, in reverse order. The operator stays unless --operator'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand help; and __fish_seen_subcommand_from env" -f -a "show" -d 'List every variable with its source (--var, the process environment, or the profile file and line) and its value, secrets masked. Shows what each value overrides'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand help; and __fish_seen_subcommand_from jobs" -f -a "list" -d 'Jobs with pipeline name, state, tasks, start time and duration (one /jobs/overview call). Default: active jobs and those that ended within the last hour, active first, newest first'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand help; and __fish_seen_subcommand_from jobs" -f -a "show" -d 'State, times, health, vertices, parallelism, checkpoints, restored-from and latest exceptions of a job (by id), or of a pipeline\'s active jobs (by name; its newest run when none is active)'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand help; and __fish_seen_subcommand_from jobs" -f -a "cancel" -d 'Cancel a job, a pipeline\'s running jobs, or every running job whose name matches --name'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand help; and __fish_seen_subcommand_from jobs" -f -a "stop" -d 'Stop a job with a savepoint (POST /jobs/{id}/stop) and print the savepoint path. Without DIR the savepoint goes to <cluster savepoint dir>/<pipeline name>/. To stop without a savepoint, use cancel'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand help; and __fish_seen_subcommand_from jobs" -f -a "savepoint" -d 'Take a savepoint without stopping, wait for it, print its path'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand help; and __fish_seen_subcommand_from jobs" -f -a "savepoints" -d 'A pipeline\'s savepoints, newest first: from the JobManager\'s checkpoint history and from listing <savepoint dir>/<pipeline name>/ (file:// only). Exit 1 when none is found'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand help; and __fish_seen_subcommand_from jobs" -f -a "resume" -d 'Run a pipeline file again, restoring from a savepoint (execution.state-recovery.path). Refused while the pipeline has an active job (exit 1), unless --allow-duplicate'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand help; and __fish_seen_subcommand_from jobs" -f -a "apply" -d 'Make the cluster run a folder of pipelines: every *.sql file that sets \'pipeline.name\' is one, run in a session of its own. Prints the plan first (start / keep / upgrade / changed / duplicated / unexpected): not running → start (from its latest savepoint when one exists); running this SQL (same hash) → keep; running other SQL → upgrade. Running it twice changes nothing'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand help; and __fish_seen_subcommand_from jobs" -f -a "status" -d 'The folder\'s pipelines against the cluster: running, changed (other SQL), missing, failed, restarting (or tasks not all running), duplicated, unexpected (a pipeline runs that no file names). Exit 1 when anything is not `running`: for CI and cron'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand help; and __fish_seen_subcommand_from jobs" -f -a "watch" -d 'Cluster health: TaskManagers, free slots, running/restarting/failed jobs, jobs whose tasks are not all RUNNING, failing checkpoints. Repeats every --interval until Ctrl-C'
complete -c flink-sql -n "__fish_flink_sql_using_subcommand help; and __fish_seen_subcommand_from jobs" -f -a "ui" -d 'The pipelines screen: one row per pipeline of DIR with its `jobs status` verdict, uptime, last checkpoint, latest savepoint, restarts and latest exception, refreshed every few seconds; Enter starts (as `jobs resume`), stops with a savepoint, cancels or shows a pipeline; `a` runs `jobs apply` after showing its plan. Not a terminal, or TERM=dumb: the table is printed once'
