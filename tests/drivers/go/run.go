// Runner for the Go drivers as oracles (see ../README.md for the protocol):
// pgx (jackc/pgx v4), go-mysql (go-sql-driver/mysql), mongo-go
// (go.mongodb.org/mongo-driver), as Debian packages them. Built by install.sh
// in GOPATH mode against /usr/share/gocode.
//
// One JSON case per stdin line, one JSON answer per stdout line, in order.
// A case never takes longer than its timeout_s plus a grace period: each
// driver gets a context deadline, and a watchdog answers for it if the
// driver ignores that deadline.
package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io/ioutil"
	"net"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgconn"
	"github.com/jackc/pgx/v4"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"
	"go.mongodb.org/mongo-driver/mongo/readpref"
	mongoversion "go.mongodb.org/mongo-driver/version"
)

// Set by install.sh (-ldflags -X) from the installed Debian packages.
var (
	pgxVersion   = "unknown"
	mysqlVersion = "unknown"
)

type Case struct {
	ID       string  `json:"id"`
	Driver   string  `json:"driver"`
	Host     string  `json:"host"`
	Port     int     `json:"port"`
	CA       *string `json:"ca"`
	Verify   bool    `json:"verify"`
	User     string  `json:"user"`
	Database string  `json:"database"`
	TimeoutS float64 `json:"timeout_s"`
}

type Answer struct {
	ID          string   `json:"id"`
	Driver      string   `json:"driver"`
	Version     string   `json:"version"`
	OK          bool     `json:"ok"`
	AuthRefused bool     `json:"auth_refused"`
	Error       *string  `json:"error"`
	Config      string   `json:"config"`
	Tlscheck    []string `json:"tlscheck"`
}

func main() {
	// pgx reads PGSSLMODE, PGSSLROOTCERT, ... from the environment; a stray
	// one would change what the connection string says (PGSSLROOTCERT turns
	// sslmode=require into verify-ca). The cases speak for themselves.
	for _, kv := range os.Environ() {
		if k := strings.SplitN(kv, "=", 2)[0]; strings.HasPrefix(k, "PG") {
			fmt.Fprintf(os.Stderr, "go runner: ignoring %s from the environment\n", k)
			os.Unsetenv(k)
		}
	}
	// go-sql-driver logs protocol errors to stderr itself; keep stdout clean.
	mysql.SetLogger(logger{})

	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<20)
	out := bufio.NewWriter(os.Stdout)
	for in.Scan() {
		line := strings.TrimSpace(in.Text())
		if line == "" {
			continue
		}
		var c Case
		var a Answer
		if err := json.Unmarshal([]byte(line), &c); err != nil {
			msg := "bad case: " + err.Error()
			a = Answer{ID: c.ID, Driver: c.Driver, Error: &msg, Tlscheck: []string{}}
		} else {
			a = runWithWatchdog(c)
		}
		enc := json.NewEncoder(out) // one line, with its newline
		enc.SetEscapeHTML(false)    // & stays & in connection strings
		enc.Encode(a)
		out.Flush()
	}
	if err := in.Err(); err != nil {
		fmt.Fprintf(os.Stderr, "go runner: reading cases: %v\n", err)
	}
}

type logger struct{}

func (logger) Print(v ...interface{}) {
	fmt.Fprintln(os.Stderr, append([]interface{}{"go-mysql:"}, v...)...)
}

func caseTimeout(c Case) time.Duration {
	if c.TimeoutS <= 0 {
		return 10 * time.Second
	}
	return time.Duration(c.TimeoutS * float64(time.Second))
}

func runWithWatchdog(c Case) Answer {
	timeout := caseTimeout(c)
	done := make(chan Answer, 1) // buffered: a late driver never blocks
	go func() {
		defer func() {
			if r := recover(); r != nil {
				msg := fmt.Sprintf("runner panic: %v", r)
				done <- Answer{ID: c.ID, Driver: c.Driver, Error: &msg, Tlscheck: []string{}}
			}
		}()
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		done <- runCase(ctx, c, timeout)
	}()
	select {
	case a := <-done:
		return a
	case <-time.After(timeout + 5*time.Second):
		msg := fmt.Sprintf("watchdog: the driver gave no answer within %s", timeout+5*time.Second)
		fmt.Fprintf(os.Stderr, "go runner: %s: %s\n", c.ID, msg)
		a := describe(c)
		a.Error = &msg
		return a
	}
}

// describe fills in what a case would use, without connecting.
func describe(c Case) Answer {
	a := Answer{ID: c.ID, Driver: c.Driver, Tlscheck: []string{}}
	switch c.Driver {
	case "pgx":
		a.Version = pgxVersion
		uri := pgxURI(c)
		a.Config = "pgx.ParseConfig(" + uri + ")"
		a.Tlscheck = []string{"--client", "pgx", uri}
	case "go-mysql":
		a.Version = mysqlVersion
		_, config, tlscheck := mysqlDSN(c, caseTimeout(c))
		a.Config = config
		a.Tlscheck = tlscheck
	case "mongo-go":
		a.Version = strings.TrimPrefix(mongoversion.Driver, "v")
		uri := mongoURI(c)
		t := caseTimeout(c)
		a.Config = fmt.Sprintf("options.Client().ApplyURI(%s).SetServerSelectionTimeout(%s).SetConnectTimeout(%s)", uri, t*3/4, t)
		a.Tlscheck = []string{"--client", "mongo-go", uri}
	}
	return a
}

func runCase(ctx context.Context, c Case, timeout time.Duration) Answer {
	a := describe(c)
	var err error
	switch c.Driver {
	case "pgx":
		err = runPgx(ctx, c)
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && strings.HasPrefix(pgErr.Code, "28") {
			a.AuthRefused = true
		}
	case "go-mysql":
		err = runMysql(ctx, c, timeout)
		var myErr *mysql.MySQLError
		if errors.As(err, &myErr) && (myErr.Number == 1045 || myErr.Number == 1698) {
			a.AuthRefused = true
		}
	case "mongo-go":
		err = runMongo(ctx, c, timeout)
		var cmdErr mongo.CommandError
		if errors.As(err, &cmdErr) && cmdErr.Code == 18 { // AuthenticationFailed
			a.AuthRefused = true
		}
	default:
		err = fmt.Errorf("unknown driver %q (this runner has pgx, go-mysql, mongo-go)", c.Driver)
	}
	if err == nil || a.AuthRefused {
		a.OK = true
	}
	if err != nil {
		msg := strings.SplitN(err.Error(), "\n", 2)[0]
		a.Error = &msg
		fmt.Fprintf(os.Stderr, "go runner: %s: %s\n", c.ID, err.Error())
	}
	return a
}

// queryValue writes a path as people do (raw), escaping only when needed.
func queryValue(v string) string {
	if plainValue.MatchString(v) {
		return v
	}
	return url.QueryEscape(v)
}

var plainValue = regexp.MustCompile(`^[A-Za-z0-9/._~:-]*$`)

func hostPort(c Case) string {
	return net.JoinHostPort(c.Host, strconv.Itoa(c.Port))
}

// --- pgx -----------------------------------------------------------------

// pgxURI: verify = sslmode=verify-full (+ sslrootcert when a CA is given),
// as pgx's and libpq's documentation say; no-verify = sslmode=require without
// sslrootcert (pgx, like libpq, turns require + sslrootcert into verify-ca).
func pgxURI(c Case) string {
	q := "sslmode=require"
	if c.Verify {
		q = "sslmode=verify-full"
		if c.CA != nil {
			q += "&sslrootcert=" + queryValue(*c.CA)
		}
	}
	u := url.URL{Scheme: "postgres", User: url.User(c.User), Host: hostPort(c), Path: "/" + c.Database}
	return u.String() + "?" + q
}

func runPgx(ctx context.Context, c Case) error {
	cfg, err := pgx.ParseConfig(pgxURI(c))
	if err != nil {
		return err
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	var one int
	return conn.QueryRow(ctx, "SELECT 1").Scan(&one)
}

// --- go-sql-driver/mysql ------------------------------------------------

// mysqlDSN: verify = tls=true (system roots) or, with a CA, a tls.Config
// registered as "custom" with RootCAs = the CA, as the driver's README shows;
// no-verify = tls=skip-verify. Returns the DSN and tlscheck's arguments:
// the same DSN, and for a registered config --ca-file CA (tlscheck cannot
// see the program's tls.Config; the driver fills in ServerName itself).
func mysqlDSN(c Case, timeout time.Duration) (dsn, config string, args []string) {
	cfg := mysql.NewConfig()
	cfg.User = c.User
	cfg.Net = "tcp"
	cfg.Addr = hostPort(c)
	cfg.DBName = c.Database
	cfg.Timeout, cfg.ReadTimeout, cfg.WriteTimeout = timeout, timeout, timeout
	switch {
	case !c.Verify:
		cfg.TLSConfig = "skip-verify"
	case c.CA == nil:
		cfg.TLSConfig = "true"
	default:
		cfg.TLSConfig = "custom"
	}
	dsn = cfg.FormatDSN()
	config = dsn
	args = []string{"--client", "go-mysql", dsn}
	if cfg.TLSConfig == "custom" {
		config += fmt.Sprintf(" with mysql.RegisterTLSConfig(\"custom\", &tls.Config{RootCAs: <%s>})", *c.CA)
		args = append(args, "--ca-file", *c.CA)
	}
	return dsn, config, args
}

func runMysql(ctx context.Context, c Case, timeout time.Duration) error {
	if c.Verify && c.CA != nil {
		pem, err := ioutil.ReadFile(*c.CA)
		if err != nil {
			return err
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return fmt.Errorf("no certificate in %s", *c.CA)
		}
		// Registered per case: the name is the same, the CA may differ.
		if err := mysql.RegisterTLSConfig("custom", &tls.Config{RootCAs: pool}); err != nil {
			return err
		}
	}
	dsn, _, _ := mysqlDSN(c, timeout)
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	var one int
	return db.QueryRowContext(ctx, "SELECT 1").Scan(&one)
}

// --- mongo-go-driver -------------------------------------------------------

// mongoURI: verify = tls=true (+ tlsCAFile), the driver's documented TLS
// options; no-verify = tls=true&tlsInsecure=true (1.8 has no
// tlsAllowInvalidCertificates/-Hostnames: it ignores them as unknown options).
func mongoURI(c Case) string {
	q := "tls=true"
	if c.Verify {
		if c.CA != nil {
			q += "&tlsCAFile=" + queryValue(*c.CA)
		}
	} else {
		q += "&tlsInsecure=true"
	}
	return "mongodb://" + hostPort(c) + "/?" + q
}

func runMongo(ctx context.Context, c Case, timeout time.Duration) error {
	opts := options.Client().ApplyURI(mongoURI(c)).
		SetServerSelectionTimeout(timeout * 3 / 4).
		SetConnectTimeout(timeout)
	client, err := mongo.Connect(ctx, opts)
	if err != nil {
		return err
	}
	defer func() {
		dctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		client.Disconnect(dctx)
	}()
	return client.Ping(ctx, readpref.Primary())
}
