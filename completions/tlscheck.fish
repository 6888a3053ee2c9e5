# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_tlscheck_global_optspecs
    string join \n h/help V/version
end

function __fish_tlscheck_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_tlscheck_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_tlscheck_using_subcommand
    set -l cmd (__fish_tlscheck_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c tlscheck -n "__fish_tlscheck_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tlscheck -n "__fish_tlscheck_needs_command" -s V -l version -d 'Print version'
complete -c tlscheck -n "__fish_tlscheck_needs_command" -f -a "connect" -d 'Connect to an endpoint, handshake, and judge the connection'
complete -c tlscheck -n "__fish_tlscheck_needs_command" -f -a "scan" -d 'Probe which TLS versions, cipher suites, TLS 1.3 groups and certificates an endpoint accepts, and which clients refuse them'
complete -c tlscheck -n "__fish_tlscheck_needs_command" -f -a "demo" -d 'Start throw-away endpoints on loopback and check them, to see what reports look like'
complete -c tlscheck -n "__fish_tlscheck_needs_command" -f -a "explain" -d 'Map a pasted driver error (psql, JDBC, Python, Go, Node, MySQL) to its likely causes'
complete -c tlscheck -n "__fish_tlscheck_needs_command" -f -a "clients" -d 'List the clients tlscheck judges as (`connect --client ID`): what each reads, its defaults, whether the tests check it against the real client'
complete -c tlscheck -n "__fish_tlscheck_needs_command" -f -a "roots" -d 'Show where this machine\'s OS trust store is read from, and search it and the Mozilla bundle'
complete -c tlscheck -n "__fish_tlscheck_needs_command" -f -a "cert" -d 'Inspect local certificates, chains, CRLs, PKCS#12 bundles and private keys'
complete -c tlscheck -n "__fish_tlscheck_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tlscheck -n "__fish_tlscheck_using_subcommand connect" -l targets -d 'Also check the targets in FILE, one a line (`-`: standard input; `#` starts a comment)' -r -F
complete -c tlscheck -n "__fish_tlscheck_using_subcommand connect" -l config -d 'Also check the endpoints of this inventory (TOML: [defaults] and [[endpoint]] tables with their own options and expectations; see README "Inventory"). Its values override the flags' -r -F
complete -c tlscheck -n "__fish_tlscheck_using_subcommand connect" -l jobs -d 'Checks run at once when there are several targets' -r
complete -c tlscheck -n "__fish_tlscheck_using_subcommand connect" -l per-endpoint -d 'Checks run at once against one host:port (a check holds one connection; after a failed handshake its explaining probes hold up to 4)' -r
complete -c tlscheck -n "__fish_tlscheck_using_subcommand connect" -l deadline -d 'Seconds for the whole run: checks not finished by then are reported unreachable (exit 3)' -r
complete -c tlscheck -n "__fish_tlscheck_using_subcommand connect" -l format -d 'Output form: human (a summary table worst first, then the full report of each failure), json, jsonl (one report a line), junit (JUnit XML), github (workflow annotations, and a Markdown summary to $GITHUB_STEP_SUMMARY), markdown [default: human; one target: today\'s report]' -r -f -a "human\t''
json\t''
jsonl\t''
junit\t''
github\t''
markdown\t''"
complete -c tlscheck -n "__fish_tlscheck_using_subcommand connect" -l output -d 'Write the --format output to FILE (json when --format is human or absent); the terminal gets the human summary' -r -F
complete -c tlscheck -n "__fish_tlscheck_using_subcommand connect" -l protocol -d 'Wire protocol spoken before TLS [default: auto: from the URI scheme, else the client, else the port]' -r -f -a "auto\t''
postgres\t''
mysql\t''
mongo\t''
tls\t''"
complete -c tlscheck -n "__fish_tlscheck_using_subcommand connect" -l client -d 'Judge as this client would (libpq, pgjdbc, node-postgres, pgx, asyncpg, npgsql, sqlx, mysql, mariadb, mysql-connector-j, mariadb-connector-j, mysql2, go-mysql, pymysql, mysqlconnector, pymongo, node-mongodb, mongodb-java, mongo-go, mongosh, generic); `tlscheck clients` lists them [default: the client the connection string\'s dialect implies, else tlscheck\'s own rules]' -r
complete -c tlscheck -n "__fish_tlscheck_using_subcommand connect" -l mode -d 'Client mode to judge under [default: verify-full; a connection string\'s own sslmode/ssl-mode, else prefer]. MySQL\'s names are accepted too, in any case: DISABLED, PREFERRED, REQUIRED, VERIFY_CA, VERIFY_IDENTITY' -r -f -a "disable\t''
allow\t''
prefer\t''
require\t''
verify-ca\t''
verify-full\t''
insecure\t''"
complete -c tlscheck -n "__fish_tlscheck_using_subcommand connect" -l dns-server -d 'DNS server (IP:PORT) for mongodb+srv SRV and TXT lookups [default: the system resolver]' -r
complete -c tlscheck -n "__fish_tlscheck_using_subcommand connect" -l ca-file -d 'Trust this CA file (PEM) for verification, or `system` for the OS store' -r
complete -c tlscheck -n "__fish_tlscheck_using_subcommand connect" -l crl-file -d 'Certificate revocation list (PEM or DER) to check the chain against; repeat for several' -r -F
complete -c tlscheck -n "__fish_tlscheck_using_subcommand connect" -l ocsp -d 'Ask the OCSP responder each certificate names: about the leaf, or every served certificate' -r -f -a "leaf\t''
all\t''"
complete -c tlscheck -n "__fish_tlscheck_using_subcommand connect" -l warn-days -d 'Warn when a served certificate expires within this many days' -r
complete -c tlscheck -n "__fish_tlscheck_using_subcommand connect" -l fail-days -d 'Fail, under every mode, when a served certificate expires within this many days [default: 0: fail only when expired, and only under modes that check the certificate]' -r
complete -c tlscheck -n "__fish_tlscheck_using_subcommand connect" -l sni -d 'Send this server name (SNI) and verify the certificate against it' -r
complete -c tlscheck -n "__fish_tlscheck_using_subcommand connect" -l tls-min -d 'Lowest TLS version to offer' -r -f -a "1.2\t''
1.3\t''"
complete -c tlscheck -n "__fish_tlscheck_using_subcommand connect" -l tls-max -d 'Highest TLS version to offer' -r -f -a "1.2\t''
1.3\t''"
complete -c tlscheck -n "__fish_tlscheck_using_subcommand connect" -l pg-negotiation -d 'PostgreSQL TLS negotiation: SSLRequest first (postgres) or TLS from the first byte (direct, PostgreSQL 17+)' -r -f -a "postgres\t'SSLRequest, then TLS on `S`'
direct\t'TLS from the first byte with ALPN `postgresql` (PostgreSQL 17+)'"
complete -c tlscheck -n "__fish_tlscheck_using_subcommand connect" -l timeout -d 'Seconds allowed for each phase (DNS, connect, upgrade, handshake)' -r
complete -c tlscheck -n "__fish_tlscheck_using_subcommand connect" -l at -d 'Judge the served chain as of this time rather than now (expiry, validity, OCSP and CRL freshness): an RFC 3339 instant or a date (midnight UTC)' -r
complete -c tlscheck -n "__fish_tlscheck_using_subcommand connect" -l cert -d 'Present this client certificate (mutual TLS): PEM (with its chain, and the key too for a combined file), DER, or PKCS#12 (.p12/.pfx)' -r -F
complete -c tlscheck -n "__fish_tlscheck_using_subcommand connect" -l key -d 'The client certificate\'s private key: PKCS#8 (encrypted or not), PKCS#1 or SEC1, PEM or DER' -r -F
complete -c tlscheck -n "__fish_tlscheck_using_subcommand connect" -l key-password-file -d 'Read the key\'s (or PKCS#12 file\'s) password from the first line of FILE [else sslpassword / tlsCertificateKeyFilePassword in the connection string, else TLSCHECK_KEY_PASSWORD, else a prompt when stdin is a terminal]' -r -F
complete -c tlscheck -n "__fish_tlscheck_using_subcommand connect" -l user -d 'After TLS, send the protocol\'s login opening as NAME, without a password (PostgreSQL StartupMessage, MySQL HandshakeResponse), and report the server\'s answer. Writes to the server\'s log' -r
complete -c tlscheck -n "__fish_tlscheck_using_subcommand connect" -l save-chain -d 'Write the chain the server sent (leaf first) to FILE as PEM' -r -F
complete -c tlscheck -n "__fish_tlscheck_using_subcommand connect" -l save-root -d 'Write the one root certificate that anchors the chain to FILE as PEM (for clients that take a single certificate)' -r -F
complete -c tlscheck -n "__fish_tlscheck_using_subcommand connect" -l color -d 'Colour in the human report (NO_COLOR is honoured; never colour when not a terminal)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c tlscheck -n "__fish_tlscheck_using_subcommand connect" -s q -l quiet -d 'No progress bar and no notes on standard error'
complete -c tlscheck -n "__fish_tlscheck_using_subcommand connect" -l tls-allow-invalid-hostnames -d 'PyMongo\'s tlsAllowInvalidHostnames: check the chain, not the host name (the verdicts of verify-ca)'
complete -c tlscheck -n "__fish_tlscheck_using_subcommand connect" -l tls-allow-invalid-certificates -d 'PyMongo\'s tlsAllowInvalidCertificates: encrypt, check no certificate (mode insecure)'
complete -c tlscheck -n "__fish_tlscheck_using_subcommand connect" -l tls-insecure -d 'PyMongo\'s tlsInsecure: encrypt, check no certificate nor revocation (mode insecure)'
complete -c tlscheck -n "__fish_tlscheck_using_subcommand connect" -l all-members -d 'MongoDB: after `hello` on the seed, check every member it lists, each against its own name'
complete -c tlscheck -n "__fish_tlscheck_using_subcommand connect" -l crl-fetch -d 'Download the CRLs the served certificates name and check the chain against them'
complete -c tlscheck -n "__fish_tlscheck_using_subcommand connect" -l strict -d 'Turn warnings into failures (exit 1)'
complete -c tlscheck -n "__fish_tlscheck_using_subcommand connect" -l no-sni -d 'Send no server name indication'
complete -c tlscheck -n "__fish_tlscheck_using_subcommand connect" -l json -d 'Print the report as JSON'
complete -c tlscheck -n "__fish_tlscheck_using_subcommand connect" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tlscheck -n "__fish_tlscheck_using_subcommand scan" -l protocol -d 'Wire protocol spoken before TLS [default: auto: from the URI scheme, else the port]' -r -f -a "auto\t''
postgres\t''
mysql\t''
mongo\t''
tls\t''"
complete -c tlscheck -n "__fish_tlscheck_using_subcommand scan" -l pg-negotiation -d 'PostgreSQL TLS negotiation: SSLRequest first (postgres) or TLS from the first byte (direct, PostgreSQL 17+)' -r -f -a "postgres\t'SSLRequest, then TLS on `S`'
direct\t'TLS from the first byte with ALPN `postgresql` (PostgreSQL 17+)'"
complete -c tlscheck -n "__fish_tlscheck_using_subcommand scan" -l sni -d 'Send this server name (SNI) in the probes' -r
complete -c tlscheck -n "__fish_tlscheck_using_subcommand scan" -l timeout -d 'Seconds allowed for each phase of each probe (connect, upgrade, answer)' -r
complete -c tlscheck -n "__fish_tlscheck_using_subcommand scan" -l concurrency -d 'Most probe connections open at once (each probe is one connection; MySQL counts the aborted ones toward max_connect_errors)' -r
complete -c tlscheck -n "__fish_tlscheck_using_subcommand scan" -l color -d 'Colour in the human output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c tlscheck -n "__fish_tlscheck_using_subcommand scan" -l no-sni -d 'Send no server name indication'
complete -c tlscheck -n "__fish_tlscheck_using_subcommand scan" -l strict -d 'Fail (exit 1) also when the server accepts versions or suites current clients refuse, or on any warning'
complete -c tlscheck -n "__fish_tlscheck_using_subcommand scan" -l json -d 'Print the result as JSON'
complete -c tlscheck -n "__fish_tlscheck_using_subcommand scan" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tlscheck -n "__fish_tlscheck_using_subcommand demo" -l color -d 'Colour in the human reports' -r -f -a "auto\t''
always\t''
never\t''"
complete -c tlscheck -n "__fish_tlscheck_using_subcommand demo" -l json -d 'Print the reports as JSON (one per line)'
complete -c tlscheck -n "__fish_tlscheck_using_subcommand demo" -s h -l help -d 'Print help'
complete -c tlscheck -n "__fish_tlscheck_using_subcommand explain" -l json -d 'Print the explanation as JSON'
complete -c tlscheck -n "__fish_tlscheck_using_subcommand explain" -s h -l help -d 'Print help'
complete -c tlscheck -n "__fish_tlscheck_using_subcommand clients" -l json -d 'Print the list as JSON'
complete -c tlscheck -n "__fish_tlscheck_using_subcommand clients" -s h -l help -d 'Print help'
complete -c tlscheck -n "__fish_tlscheck_using_subcommand roots" -l find -d 'Search the roots by subject (any part, any case) or fingerprint (SHA-256, SHA-1 or SPKI SHA-256, hex, colons optional)' -r
complete -c tlscheck -n "__fish_tlscheck_using_subcommand roots" -l color -d 'Colour in the human output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c tlscheck -n "__fish_tlscheck_using_subcommand roots" -l json -d 'Print the result as JSON'
complete -c tlscheck -n "__fish_tlscheck_using_subcommand roots" -s h -l help -d 'Print help'
complete -c tlscheck -n "__fish_tlscheck_using_subcommand cert" -l host -d 'Judge the chain for this host name or IP address as `connect` would judge it served: every mode, every trust source, every client\'s rules' -r
complete -c tlscheck -n "__fish_tlscheck_using_subcommand cert" -l at -d 'Judge as of this time rather than now: an RFC 3339 instant or a date (midnight UTC)' -r
complete -c tlscheck -n "__fish_tlscheck_using_subcommand cert" -l ca-file -d 'Verify the chain against this root file (PEM) instead of the OS store; `system`: the OS store' -r
complete -c tlscheck -n "__fish_tlscheck_using_subcommand cert" -l crl-file -d 'With --host: certificate revocation list (PEM or DER) to check the chain against; repeat for several' -r -F
complete -c tlscheck -n "__fish_tlscheck_using_subcommand cert" -l client -d 'With --host: the client whose rules decide the exit code (`tlscheck clients` lists them) [default: tlscheck\'s own rules]' -r
complete -c tlscheck -n "__fish_tlscheck_using_subcommand cert" -l mode -d 'With --host: the client mode to judge under [default: verify-full]' -r -f -a "disable\t''
allow\t''
prefer\t''
require\t''
verify-ca\t''
verify-full\t''
insecure\t''"
complete -c tlscheck -n "__fish_tlscheck_using_subcommand cert" -l password-file -d 'Read the PKCS#12 or encrypted-key password from the first line of FILE (else TLSCHECK_KEY_PASSWORD, else an empty password)' -r -F
complete -c tlscheck -n "__fish_tlscheck_using_subcommand cert" -l warn-days -d 'Warn about certificates that expire within this many days' -r
complete -c tlscheck -n "__fish_tlscheck_using_subcommand cert" -l fail-days -d 'Fail (exit 1) for certificates that expire within this many days (0: only expired ones)' -r
complete -c tlscheck -n "__fish_tlscheck_using_subcommand cert" -l color -d 'Colour in the human output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c tlscheck -n "__fish_tlscheck_using_subcommand cert" -l json -d 'Print the result as JSON'
complete -c tlscheck -n "__fish_tlscheck_using_subcommand cert" -s h -l help -d 'Print help'
complete -c tlscheck -n "__fish_tlscheck_using_subcommand help; and not __fish_seen_subcommand_from connect scan demo explain clients roots cert help" -f -a "connect" -d 'Connect to an endpoint, handshake, and judge the connection'
complete -c tlscheck -n "__fish_tlscheck_using_subcommand help; and not __fish_seen_subcommand_from connect scan demo explain clients roots cert help" -f -a "scan" -d 'Probe which TLS versions, cipher suites, TLS 1.3 groups and certificates an endpoint accepts, and which clients refuse them'
complete -c tlscheck -n "__fish_tlscheck_using_subcommand help; and not __fish_seen_subcommand_from connect scan demo explain clients roots cert help" -f -a "demo" -d 'Start throw-away endpoints on loopback and check them, to see what reports look like'
complete -c tlscheck -n "__fish_tlscheck_using_subcommand help; and not __fish_seen_subcommand_from connect scan demo explain clients roots cert help" -f -a "explain" -d 'Map a pasted driver error (psql, JDBC, Python, Go, Node, MySQL) to its likely causes'
complete -c tlscheck -n "__fish_tlscheck_using_subcommand help; and not __fish_seen_subcommand_from connect scan demo explain clients roots cert help" -f -a "clients" -d 'List the clients tlscheck judges as (`connect --client ID`): what each reads, its defaults, whether the tests check it against the real client'
complete -c tlscheck -n "__fish_tlscheck_using_subcommand help; and not __fish_seen_subcommand_from connect scan demo explain clients roots cert help" -f -a "roots" -d 'Show where this machine\'s OS trust store is read from, and search it and the Mozilla bundle'
complete -c tlscheck -n "__fish_tlscheck_using_subcommand help; and not __fish_seen_subcommand_from connect scan demo explain clients roots cert help" -f -a "cert" -d 'Inspect local certificates, chains, CRLs, PKCS#12 bundles and private keys'
complete -c tlscheck -n "__fish_tlscheck_using_subcommand help; and not __fish_seen_subcommand_from connect scan demo explain clients roots cert help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
