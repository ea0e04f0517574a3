#!/bin/sh
# A throwaway CA and certificates for trying TLS listeners and for the tests:
#   ca.pem ca.key              the CA clients and brookd trust
#   server.pem server.key      brookd, for localhost and 127.0.0.1
#   broker.pem broker.key      a broker of a cluster, for localhost and 127.0.0.1, as server and as
#                              client (inter-broker TLS), subject CN=broker,O=brook-test
#   client.pem client.key      a client certificate, subject CN=alice,O=brook-test
#   rogue-ca.pem rogue.pem rogue.key   a client certificate from a CA nobody trusts
#   expired.pem expired.key    a client certificate of the trusted CA that expired in 2020
# Usage: config/make-certs.sh [DIR]   (default: ./certs). Never use these in production.
set -eu
dir=${1:-certs}
mkdir -p "$dir"
cd "$dir"
days=825
subj() { printf '/O=brook-test/CN=%s' "$1"; }

openssl req -x509 -newkey rsa:2048 -nodes -days $days -subj "$(subj brook-test-ca)" \
    -keyout ca.key -out ca.pem 2>/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -days $days -subj "$(subj rogue-ca)" \
    -keyout rogue-ca.key -out rogue-ca.pem 2>/dev/null

# name, signing CA, extensions
issue() {
    openssl req -newkey rsa:2048 -nodes -subj "$(subj "$1")" -keyout "$2.key" -out "$2.csr" 2>/dev/null
    printf '%s\n' "$4" > "$2.ext"
    openssl x509 -req -in "$2.csr" -CA "$3.pem" -CAkey "$3.key" -CAcreateserial -days $days \
        -extfile "$2.ext" -out "$2.pem" 2>/dev/null
    rm -f "$2.csr" "$2.ext"
}
issue localhost server ca "subjectAltName=DNS:localhost,IP:127.0.0.1
extendedKeyUsage=serverAuth"
issue broker broker ca "subjectAltName=DNS:localhost,IP:127.0.0.1
extendedKeyUsage=serverAuth,clientAuth"
issue alice client ca "extendedKeyUsage=clientAuth"
issue mallory rogue rogue-ca "extendedKeyUsage=clientAuth"
# expired: `openssl ca` is the tool that can set dates in the past
mkdir -p ca-db
: > ca-db/index.txt
echo 1000 > ca-db/serial
printf '%s\n' '[ ca ]' 'default_ca = throwaway' '[ throwaway ]' 'database = ca-db/index.txt' \
    'new_certs_dir = ca-db' 'serial = ca-db/serial' 'default_md = sha256' 'policy = anything' \
    'unique_subject = no' '[ anything ]' 'organizationName = optional' 'commonName = supplied' > ca-db/ca.cnf
openssl req -newkey rsa:2048 -nodes -subj "$(subj old-timer)" -keyout expired.key -out expired.csr 2>/dev/null
openssl ca -batch -config ca-db/ca.cnf -cert ca.pem -keyfile ca.key -in expired.csr -out expired.pem -notext \
    -startdate 20200101000000Z -enddate 20200102000000Z 2>/dev/null
rm -rf expired.csr ca-db
chmod 600 ./*.key
echo "certificates in $dir: ca.pem server.pem/key broker.pem/key client.pem/key rogue.pem/key expired.pem/key"
