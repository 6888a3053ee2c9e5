// Runner for the Java drivers (tests/drivers/README.md): pgjdbc, MariaDB
// Connector/J and the MongoDB Java driver, from Debian's jars. One JVM reads
// every case from stdin (one JSON object per line) and answers each with one
// JSON line on stdout, in order. A failed connection is an answer, never an
// exit status.
//
// Each case runs on its own daemon thread under the driver's own connect/
// socket timeouts, and a watchdog gives up on it timeout_s + 5 seconds later,
// so a stuck driver costs one case, not the run.
//
// Beyond the protocol, a case may carry "url": the connection string to use
// as is (the research runs use it to try the drivers' other options); "ca"
// then still goes to MongoDB as its trust store.
//
// The JSON reader and writer below only handle what the protocol sends: one
// flat object of strings, numbers, booleans and nulls (nested values are
// skipped).

import java.io.BufferedReader;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.FileDescriptor;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.jar.JarFile;
import java.util.logging.Level;
import java.util.logging.Logger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

public final class Run {
  // One answer, filled in by the driver code.
  static final class Answer {
    String id;
    String driver;
    String version;
    boolean ok;
    boolean authRefused;
    String error;
    String config;
    List<String> tlscheck = new ArrayList<>();

    String json() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("id", id);
      m.put("driver", driver);
      m.put("version", version);
      m.put("ok", ok);
      m.put("auth_refused", authRefused);
      m.put("error", error);
      m.put("config", config);
      m.put("tlscheck", tlscheck);
      return Json.write(m);
    }
  }

  // Keeps the Mongo logger from being collected (and its level with it).
  static final List<Logger> QUIET = new ArrayList<>();

  public static void main(String[] args) throws Exception {
    PrintStream out =
        new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
    // Whatever a driver prints goes to stderr, never into the answers.
    System.setOut(System.err);
    for (String name : new String[] {"org.mongodb.driver", "org.mariadb.jdbc"}) {
      Logger l = Logger.getLogger(name);
      l.setLevel(Level.WARNING);
      QUIET.add(l);
    }
    BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String line;
    while ((line = in.readLine()) != null) {
      if (line.isBlank()) {
        continue;
      }
      Answer a;
      try {
        a = runCase(Json.parse(line));
      } catch (Throwable t) {
        a = new Answer();
        a.error = "runner: " + t;
      }
      out.println(a.json());
      out.flush();
    }
    out.flush();
    // Abandoned cases may still hold non-daemon driver threads.
    System.exit(0);
  }

  static String str(Map<String, Object> c, String k) {
    Object v = c.get(k);
    return v == null ? null : v.toString();
  }

  static Answer runCase(Map<String, Object> c) {
    Answer a = new Answer();
    a.id = str(c, "id");
    a.driver = str(c, "driver");
    Object t = c.get("timeout_s");
    int timeoutS = t instanceof Number ? Math.max(1, ((Number) t).intValue()) : 10;
    Case k = new Case(c, timeoutS);
    Attempt attempt;
    try {
      switch (a.driver == null ? "" : a.driver) {
        case "pgjdbc":
          attempt = Pg.prepare(k, a);
          break;
        case "mariadb-java":
          attempt = Maria.prepare(k, a);
          break;
        case "mongodb-java":
          attempt = Mongo.prepare(k, a);
          break;
        default:
          a.error = "runner: unknown driver " + a.driver;
          return a;
      }
    } catch (Throwable e) {
      a.error = "runner: " + e;
      return a;
    }
    CompletableFuture<Void> done = new CompletableFuture<>();
    Thread th =
        new Thread(
            () -> {
              try {
                attempt.run(done);
                done.complete(null);
              } catch (Throwable e) {
                done.completeExceptionally(e);
              }
            },
            "case-" + a.id);
    th.setDaemon(true);
    th.start();
    try {
      done.get(timeoutS + 5L, TimeUnit.SECONDS);
      a.ok = true;
    } catch (TimeoutException e) {
      done.completeExceptionally(e);
      th.interrupt();
      a.error = "runner watchdog: no answer from the driver after " + (timeoutS + 5) + " s";
    } catch (InterruptedException e) {
      a.error = "runner: interrupted";
    } catch (java.util.concurrent.ExecutionException e) {
      Throwable cause = e.getCause();
      if (attempt.authRefused(cause)) {
        a.ok = true;
        a.authRefused = true;
      }
      a.error = describe(cause);
    }
    if (a.ok && !a.authRefused) {
      a.error = null;
    }
    return a;
  }

  /**
   * The driver's message (first line), then each cause whose message says something the
   * text so far does not, as a Java stack trace would show them.
   */
  static String describe(Throwable e) {
    StringBuilder b = new StringBuilder(firstLine(e.getMessage() == null ? e.toString() : e.getMessage()));
    for (Throwable x = e.getCause(); x != null; x = x.getCause() == x ? null : x.getCause()) {
      if (x.getMessage() == null) {
        continue;
      }
      String m = firstLine(x.getMessage());
      if (!b.toString().contains(m)) {
        b.append(" (caused by ").append(x.getClass().getName()).append(": ").append(m).append(')');
      }
    }
    return b.toString();
  }

  static String firstLine(String s) {
    int i = s.indexOf('\n');
    return (i < 0 ? s : s.substring(0, i)).trim();
  }

  static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("%2F", "/");
  }

  interface Attempt {
    /** Connect and run the trivial query; throw what the driver threw. */
    void run(CompletableFuture<Void> done) throws Exception;

    boolean authRefused(Throwable e);
  }

  static final class Case {
    final String host;
    final int port;
    final String ca;
    final boolean verify;
    final String user;
    final String database;
    final String url;
    final int timeoutS;

    Case(Map<String, Object> c, int timeoutS) {
      host = str(c, "host") == null ? "localhost" : str(c, "host");
      Object p = c.get("port");
      port = p instanceof Number ? ((Number) p).intValue() : Integer.parseInt(str(c, "port"));
      ca = str(c, "ca");
      verify = Boolean.TRUE.equals(c.get("verify"));
      user = str(c, "user") == null ? "tlscheck" : str(c, "user");
      database = str(c, "database");
      url = str(c, "url");
      this.timeoutS = timeoutS;
    }

    String hostPort() {
      return (host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host) + ":" + port;
    }
  }

  static boolean sqlStateIs28(Throwable e, int vendorCode) {
    for (Throwable x = e; x != null; x = x.getCause() == x ? null : x.getCause()) {
      if (x instanceof SQLException) {
        SQLException s = (SQLException) x;
        if ((s.getSQLState() != null && s.getSQLState().startsWith("28"))
            || (vendorCode != 0 && s.getErrorCode() == vendorCode)) {
          return true;
        }
      }
    }
    return false;
  }

  static void selectOne(Connection conn) throws SQLException {
    try (Connection cn = conn;
        Statement st = cn.createStatement();
        ResultSet rs = st.executeQuery("SELECT 1")) {
      rs.next();
    }
  }

  // ---------------------------------------------------------------- pgjdbc

  static final class Pg {
    static Attempt prepare(Case k, Answer a) {
      a.version = org.postgresql.util.DriverInfo.DRIVER_VERSION;
      String db = k.database == null ? "postgres" : k.database;
      String url;
      if (k.url != null) {
        url = k.url;
      } else if (k.verify) {
        // pgjdbc's docs: sslmode=verify-full with the root in sslrootcert
        // (default ~/.postgresql/root.crt, read by the default LibPQFactory).
        url = "jdbc:postgresql://" + k.hostPort() + "/" + enc(db) + "?user=" + enc(k.user)
            + "&sslmode=verify-full" + (k.ca == null ? "" : "&sslrootcert=" + enc(k.ca));
      } else {
        // sslmode=require: encrypt, check nothing (LibPQFactory's NonValidatingTM).
        url = "jdbc:postgresql://" + k.hostPort() + "/" + enc(db) + "?user=" + enc(k.user)
            + "&sslmode=require";
      }
      Properties p = new Properties();
      String t = Integer.toString(k.timeoutS);
      p.setProperty("connectTimeout", t);
      p.setProperty("socketTimeout", t);
      p.setProperty("loginTimeout", t);
      a.config = "url " + url + " (Properties connectTimeout=socketTimeout=loginTimeout=" + t + ")";
      a.tlscheck.addAll(Arrays.asList("--client", "pgjdbc", url));
      final String u = url;
      return new Attempt() {
        public void run(CompletableFuture<Void> done) throws Exception {
          Connection cn = new org.postgresql.Driver().connect(u, p);
          if (cn == null) {
            throw new SQLException("pgjdbc did not accept the URL " + u);
          }
          selectOne(cn);
        }

        public boolean authRefused(Throwable e) {
          return sqlStateIs28(e, 0);
        }
      };
    }
  }

  // -------------------------------------------------- MariaDB Connector/J

  static final class Maria {
    static Attempt prepare(Case k, Answer a) {
      a.version = org.mariadb.jdbc.internal.util.constant.Version.version;
      String db = k.database == null ? "" : k.database;
      String url;
      if (k.url != null) {
        url = k.url;
      } else if (k.verify) {
        // C/J 2.7 docs: useSsl=true checks the chain against the JRE trust
        // store, or against serverSslCert (a CA or the server's certificate),
        // and the host name unless disableSslHostnameVerification.
        url = "jdbc:mariadb://" + k.hostPort() + "/" + enc(db) + "?user=" + enc(k.user)
            + "&useSsl=true" + (k.ca == null ? "" : "&serverSslCert=" + enc(k.ca));
      } else {
        // trustServerCertificate=true: no chain check and no name check.
        url = "jdbc:mariadb://" + k.hostPort() + "/" + enc(db) + "?user=" + enc(k.user)
            + "&useSsl=true&trustServerCertificate=true";
      }
      Properties p = new Properties();
      String ms = Integer.toString(k.timeoutS * 1000);
      p.setProperty("connectTimeout", ms);
      p.setProperty("socketTimeout", ms);
      a.config = "url " + url + " (Properties connectTimeout=socketTimeout=" + ms + " ms)";
      a.tlscheck.addAll(Arrays.asList("--client", "mariadb-connector-j", url));
      final String u = url;
      return new Attempt() {
        public void run(CompletableFuture<Void> done) throws Exception {
          Connection cn = new org.mariadb.jdbc.Driver().connect(u, p);
          if (cn == null) {
            throw new SQLException("MariaDB Connector/J did not accept the URL " + u);
          }
          selectOne(cn);
        }

        public boolean authRefused(Throwable e) {
          return sqlStateIs28(e, 1045);
        }
      };
    }
  }

  // ------------------------------------------------------- MongoDB Java

  static final class Mongo {
    static String version() {
      String v = com.mongodb.MongoClient.class.getPackage().getImplementationVersion();
      if (v != null) {
        return v;
      }
      try {
        String jar =
            com.mongodb.MongoClient.class.getProtectionDomain().getCodeSource().getLocation()
                .getPath();
        try (JarFile jf = new JarFile(jar)) {
          v = jf.getManifest().getMainAttributes().getValue("Bundle-Version");
        }
      } catch (Exception e) {
        // fall through
      }
      return v == null ? "unknown" : v;
    }

    /**
     * The trust a user gets from -Djavax.net.ssl.trustStore=<a store holding ca>: the
     * default (PKIX) TrustManagerFactory over that store. The JVM's default SSLContext is
     * built once per process, so per case it goes in through MongoClientOptions.sslContext.
     */
    static SSLContext contextTrusting(String caPath) throws Exception {
      KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
      ks.load(null, null);
      try (InputStream in = new FileInputStream(caPath)) {
        int i = 0;
        for (Certificate cert : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
          ks.setCertificateEntry("ca" + i++, cert);
        }
      }
      TrustManagerFactory tmf =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(ks);
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(null, tmf.getTrustManagers(), null);
      return ctx;
    }

    static Attempt prepare(Case k, Answer a) {
      a.version = version();
      String uri;
      if (k.url != null) {
        uri = k.url;
      } else if (k.verify) {
        // The 3.6 docs: ssl=true; chain and host name checked (JSSE, HTTPS
        // endpoint identification) against the JVM trust store.
        uri = "mongodb://" + k.hostPort() + "/?ssl=true";
      } else {
        // The only no-check option 3.6 reads: sslInvalidHostNameAllowed=true
        // drops the name check; the chain is still checked.
        uri = "mongodb://" + k.hostPort() + "/?ssl=true&sslInvalidHostNameAllowed=true";
      }
      int ms = k.timeoutS * 1000;
      a.config = "MongoClientURI " + uri
          + (k.ca == null
              ? " (JVM default trust store)"
              : " + MongoClientOptions.sslContext(PKIX TrustManagerFactory over a KeyStore"
                  + " holding " + k.ca + ", as -Djavax.net.ssl.trustStore would)")
          + " (serverSelectionTimeout=connectTimeout=socketTimeout=" + ms + " ms)";
      a.tlscheck.addAll(Arrays.asList("--client", "mongodb-java", uri));
      if (k.ca != null) {
        a.tlscheck.addAll(Arrays.asList("--ca-file", k.ca));
      }
      final String u = uri;
      return new Attempt() {
        public void run(CompletableFuture<Void> done) throws Exception {
          com.mongodb.MongoClientOptions.Builder b =
              com.mongodb.MongoClientOptions.builder()
                  .serverSelectionTimeout(ms)
                  .connectTimeout(ms)
                  .socketTimeout(ms)
                  // The driver retries a failed connection until the server
                  // selection timeout and then reports the same cause: take
                  // the first server description that carries an exception
                  // (a failed handshake) or a failed heartbeat as its verdict.
                  .addServerListener(
                      new com.mongodb.event.ServerListenerAdapter() {
                        @Override
                        public void serverDescriptionChanged(
                            com.mongodb.event.ServerDescriptionChangedEvent ev) {
                          Throwable t = ev.getNewDescription().getException();
                          if (t != null) {
                            done.completeExceptionally(t);
                          }
                        }
                      })
                  .addServerMonitorListener(
                      new com.mongodb.event.ServerMonitorListenerAdapter() {
                        @Override
                        public void serverHeartbeatFailed(
                            com.mongodb.event.ServerHeartbeatFailedEvent ev) {
                          done.completeExceptionally(ev.getThrowable());
                        }
                      });
          if (k.ca != null) {
            b.sslContext(contextTrusting(k.ca));
          }
          com.mongodb.MongoClient client =
              new com.mongodb.MongoClient(new com.mongodb.MongoClientURI(u, b));
          // However the case ends (ping, listener, watchdog), stop the
          // client's monitor threads.
          done.whenComplete((r, e) -> client.close());
          client.getDatabase("admin").runCommand(new org.bson.Document("ping", 1));
        }

        public boolean authRefused(Throwable e) {
          for (Throwable x = e; x != null; x = x.getCause() == x ? null : x.getCause()) {
            if (x instanceof com.mongodb.MongoSecurityException) {
              return true;
            }
            if (x instanceof com.mongodb.MongoCommandException) {
              int code = ((com.mongodb.MongoCommandException) x).getErrorCode();
              if (code == 18 || code == 13) {
                return true;
              }
            }
          }
          return false;
        }
      };
    }
  }

  // ------------------------------------------------------------------ JSON

  static final class Json {
    private final String s;
    private int i;

    private Json(String s) {
      this.s = s;
    }

    static Map<String, Object> parse(String line) {
      Json j = new Json(line);
      j.ws();
      Object v = j.value();
      if (!(v instanceof Map)) {
        throw new IllegalArgumentException("a case must be a JSON object");
      }
      @SuppressWarnings("unchecked")
      Map<String, Object> m = (Map<String, Object>) v;
      return m;
    }

    private void ws() {
      while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
        i++;
      }
    }

    private char peek() {
      if (i >= s.length()) {
        throw new IllegalArgumentException("JSON ends early");
      }
      return s.charAt(i);
    }

    private void expect(char c) {
      if (peek() != c) {
        throw new IllegalArgumentException("JSON: expected '" + c + "' at " + i);
      }
      i++;
    }

    private Object value() {
      char c = peek();
      if (c == '{') {
        i++;
        Map<String, Object> m = new LinkedHashMap<>();
        ws();
        if (peek() == '}') {
          i++;
          return m;
        }
        while (true) {
          ws();
          String k = string();
          ws();
          expect(':');
          ws();
          m.put(k, value());
          ws();
          if (peek() == ',') {
            i++;
            continue;
          }
          expect('}');
          return m;
        }
      }
      if (c == '[') {
        i++;
        List<Object> l = new ArrayList<>();
        ws();
        if (peek() == ']') {
          i++;
          return l;
        }
        while (true) {
          ws();
          l.add(value());
          ws();
          if (peek() == ',') {
            i++;
            continue;
          }
          expect(']');
          return l;
        }
      }
      if (c == '"') {
        return string();
      }
      if (s.startsWith("true", i)) {
        i += 4;
        return Boolean.TRUE;
      }
      if (s.startsWith("false", i)) {
        i += 5;
        return Boolean.FALSE;
      }
      if (s.startsWith("null", i)) {
        i += 4;
        return null;
      }
      int st = i;
      while (i < s.length() && "+-0123456789.eE".indexOf(s.charAt(i)) >= 0) {
        i++;
      }
      if (st == i) {
        throw new IllegalArgumentException("JSON: unexpected '" + c + "' at " + i);
      }
      String n = s.substring(st, i);
      if (n.contains(".") || n.contains("e") || n.contains("E")) {
        return Double.parseDouble(n);
      }
      return Long.parseLong(n);
    }

    private String string() {
      expect('"');
      StringBuilder b = new StringBuilder();
      while (true) {
        char c = peek();
        i++;
        if (c == '"') {
          return b.toString();
        }
        if (c != '\\') {
          b.append(c);
          continue;
        }
        char e = peek();
        i++;
        switch (e) {
          case 'n':
            b.append('\n');
            break;
          case 't':
            b.append('\t');
            break;
          case 'r':
            b.append('\r');
            break;
          case 'b':
            b.append('\b');
            break;
          case 'f':
            b.append('\f');
            break;
          case 'u':
            b.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
            i += 4;
            break;
          default:
            b.append(e);
        }
      }
    }

    static String write(Object v) {
      StringBuilder b = new StringBuilder();
      write(b, v);
      return b.toString();
    }

    private static void write(StringBuilder b, Object v) {
      if (v == null) {
        b.append("null");
      } else if (v instanceof Boolean || v instanceof Number) {
        b.append(v);
      } else if (v instanceof Map) {
        b.append('{');
        boolean first = true;
        for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) {
          if (!first) {
            b.append(',');
          }
          first = false;
          write(b, e.getKey().toString());
          b.append(':');
          write(b, e.getValue());
        }
        b.append('}');
      } else if (v instanceof List) {
        b.append('[');
        boolean first = true;
        for (Object o : (List<?>) v) {
          if (!first) {
            b.append(',');
          }
          first = false;
          write(b, o);
        }
        b.append(']');
      } else {
        String s = v.toString();
        b.append('"');
        for (int k = 0; k < s.length(); k++) {
          char c = s.charAt(k);
          switch (c) {
            case '"':
              b.append("\\\"");
              break;
            case '\\':
              b.append("\\\\");
              break;
            case '\n':
              b.append("\\n");
              break;
            case '\r':
              b.append("\\r");
              break;
            case '\t':
              b.append("\\t");
              break;
            default:
              if (c < 0x20) {
                b.append(String.format("\\u%04x", (int) c));
              } else {
                b.append(c);
              }
          }
        }
        b.append('"');
      }
    }
  }
}
