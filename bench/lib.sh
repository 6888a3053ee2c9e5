# Shared by the benchmark scripts.

# A throw-away PKI made with openssl.
# make_pki DIR: root -> intermediate -> leaf for localhost and 127.0.0.1
# (EC P-256), with DIR/server-chain.pem = leaf + intermediate.
make_pki() {
  local pki=$1
  mkdir -p "$pki"
  cat >"$pki/ext.cnf" <<'EOF'
[root]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[inter]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[leaf]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
EOF
  ossl() { openssl "$@" 2>"$pki/openssl.err" || { cat "$pki/openssl.err" >&2; return 1; }; }
  for name in root inter leaf; do
    ossl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$pki/$name.key"
  done
  ossl req -new -key "$pki/root.key" -subj "/CN=tlscheck bench root" -out "$pki/root.csr"
  ossl x509 -req -in "$pki/root.csr" -signkey "$pki/root.key" -sha256 -days 2 -set_serial 1 \
    -extfile "$pki/ext.cnf" -extensions root -out "$pki/root.pem"
  ossl req -new -key "$pki/inter.key" -subj "/CN=tlscheck bench intermediate" -out "$pki/inter.csr"
  ossl x509 -req -in "$pki/inter.csr" -CA "$pki/root.pem" -CAkey "$pki/root.key" -sha256 -days 2 \
    -set_serial 2 -extfile "$pki/ext.cnf" -extensions inter -out "$pki/inter.pem"
  ossl req -new -key "$pki/leaf.key" -subj "/CN=localhost" -out "$pki/leaf.csr"
  ossl x509 -req -in "$pki/leaf.csr" -CA "$pki/inter.pem" -CAkey "$pki/inter.key" -sha256 -days 2 \
    -set_serial 3 -extfile "$pki/ext.cnf" -extensions leaf -out "$pki/leaf.pem"
  ossl verify -CAfile "$pki/root.pem" -untrusted "$pki/inter.pem" "$pki/leaf.pem" >/dev/null
  cat "$pki/leaf.pem" "$pki/inter.pem" >"$pki/server-chain.pem"
}

# check_and_time RUNS: run tls_cmd and ossl_cmd (arrays set by the caller)
# once each and stop if either fails, then time them alternately through
# bench/timing.py (medians and the median of the per-pair ratios).
check_and_time() {
  local runs=$1 out
  echo "== checking that both commands succeed"
  if ! out=$("${tls_cmd[@]}" 2>&1); then
    echo "bench: tlscheck failed:" >&2
    printf '%s\n' "$out" >&2
    exit 1
  fi
  if ! out=$("${ossl_cmd[@]}" </dev/null 2>&1); then
    echo "bench: openssl s_client failed:" >&2
    printf '%s\n' "$out" | tail -n 30 >&2
    exit 1
  fi
  echo "ok: tlscheck passes verify-full; openssl verifies ($(printf '%s\n' "$out" | grep -m1 -oE 'New, TLSv[0-9.]+, Cipher is [A-Z0-9_-]+' || echo '?'))"
  tls_str=$(printf '%q ' "${tls_cmd[@]}")
  ossl_str=$(printf '%q ' "${ossl_cmd[@]}")
  echo "== timing"
  python3 bench/timing.py compare "$runs" tlscheck "$tls_str" openssl "$ossl_str"
}

# make_rsa_leaf DIR: after make_pki DIR, an RSA 2048 leaf for localhost and
# 127.0.0.1 signed by DIR's intermediate: DIR/leaf-rsa.{key,pem} and
# DIR/server-chain-rsa.pem. The suites with RSA key exchange or RSA
# authentication, all of TLS 1.0/1.1 in practice, need an RSA key.
make_rsa_leaf() {
  local pki=$1
  cat >>"$pki/ext.cnf" <<'EOF2'
[leaf_rsa]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
EOF2
  ossl() { openssl "$@" 2>"$pki/openssl.err" || { cat "$pki/openssl.err" >&2; return 1; }; }
  ossl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$pki/leaf-rsa.key"
  ossl req -new -key "$pki/leaf-rsa.key" -subj "/CN=localhost" -out "$pki/leaf-rsa.csr"
  ossl x509 -req -in "$pki/leaf-rsa.csr" -CA "$pki/inter.pem" -CAkey "$pki/inter.key" -sha256 -days 2 \
    -set_serial 4 -extfile "$pki/ext.cnf" -extensions leaf_rsa -out "$pki/leaf-rsa.pem"
  ossl verify -CAfile "$pki/root.pem" -untrusted "$pki/inter.pem" "$pki/leaf-rsa.pem" >/dev/null
  cat "$pki/leaf-rsa.pem" "$pki/inter.pem" >"$pki/server-chain-rsa.pem"
}
