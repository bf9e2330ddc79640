#!/usr/bin/env bash
# Seed corpora for the fuzz targets: fuzz/corpus/<target>/, from fixtures/ (copied; PEM also
# as DER), from the parts of the fixture OFD packages (unzip), and from a few inputs made here
# with OpenSSL (time-stamp requests, responses and tokens, OCSP requests and responses, CMS,
# a signed PDF, a signed trust list) and Python (a QR payload). What a missing tool would
# make is skipped with a note. Re-running adds to the corpora and overwrites the seeds.
#
# Usage: fuzz/seeds.sh        (from anywhere)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
fx=$root/fixtures
corpus=$here/corpus
export LC_ALL=C

have() { command -v "$1" >/dev/null 2>&1; }
note() { echo "seeds.sh: $*" >&2; }

# seed TARGET FILE... : copy the files that exist into the target's corpus.
seed() {
    local t=$1
    shift
    mkdir -p "$corpus/$t"
    local f
    for f in "$@"; do
        [ -f "$f" ] && cp "$f" "$corpus/$t/"
    done
    return 0
}

# text TARGET NAME CONTENT : write one seed.
text() {
    mkdir -p "$corpus/$1"
    printf '%s' "$3" >"$corpus/$1/$2"
}

# der_of PEM_FILE OUT : the first PEM block's DER (base64 only: works for broken contents).
der_of() {
    sed -n '/^-----BEGIN/,/^-----END/p' "$1" | sed '/^-----/d' | base64 -d >"$2" 2>/dev/null || rm -f "$2"
}

# --- certificates, CRLs, keys (fixtures/pkits, fixtures/crypto) ---------------------------
seed certificate "$fx"/pkits/certs/*.crt "$fx"/crypto/*.spki.der
seed crl "$fx"/pkits/crls/*.crl
seed aia_answer "$fx"/pkits/certs/TrustAnchorRootCertificate.crt "$fx"/pkits/certs/GoodCACert.crt
seed cms "$fx"/crypto/*.sig
# sm2_differential: key ‖ digest ‖ signature ‖ point; the GB/T 32918.2 example key and digest
# followed by a fixture signature and the example's public key.
mkdir -p "$corpus/sm2_differential"
{
    printf '3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8F0B43E94BA45ACCAACE692ED534382EB17E6AB5A19CE7B31F4486FDFC0D28640' | xxd -r -p
    printf 'F5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3B1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA' | xxd -r -p
    printf '0409F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13' | xxd -r -p
} >"$corpus/sm2_differential/gbt32918-example" 2>/dev/null || note "xxd missing: no sm2_differential example seed"
seed sm2_differential "$fx"/crypto/test-sm2-sm3.sig

# --- CSRs (fixtures/csr): PEM as is, and DER -----------------------------------------------
seed csr "$fx"/csr/*.pem
seed pem "$fx"/csr/*.pem
for f in "$fx"/csr/*.pem; do
    der_of "$f" "$corpus/csr/$(basename "$f" .pem).der"
done

# --- seals, signatures and OFD packages (fixtures/ofd, fixtures/interop) -------------------
seed seal "$fx"/interop/*.esl "$fx"/interop/hebei-gede-seal-badsig.der
seed ses_signature "$fx"/interop/ofdrw-signedvalue-v4.dat
seed ofd "$fx"/ofd/*.ofd "$fx"/interop/*.ofd
if have unzip; then
    for pkg in "$fx"/ofd/*.ofd "$fx"/interop/*.ofd; do
        base=$(basename "$pkg" .ofd)
        unzip -Z1 "$pkg" 2>/dev/null | while IFS= read -r part; do
            name="$base-$(printf '%s' "$part" | tr '/' '_')"
            case "$part" in
            *.esl) unzip -p "$pkg" "$part" >"$corpus/seal/$name" ;;
            *SignedValue.dat | *SignValue.dat)
                unzip -p "$pkg" "$part" >"$corpus/ses_signature/$name"
                cp "$corpus/ses_signature/$name" "$corpus/cms/$name"
                ;;
            esac
        done || note "$pkg: a part could not be extracted"
    done
else
    note "unzip not found: the seals and signatures inside the OFD packages are not seeded"
fi

# --- PDFs (none in fixtures/ today: any that appear are taken) -----------------------------
mkdir -p "$corpus/pdf"
find "$fx" -name '*.pdf' -exec cp {} "$corpus/pdf/" \;
minimal_pdf() {
    local objs=(
        "<< /Type /Catalog /Pages 2 0 R >>"
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>"
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>"
        "<< /Length 42 >>
stream
BT /F1 12 Tf 72 770 Td (yinxin fuzz) Tj ET
endstream"
    )
    local out="%PDF-1.7"$'\n' offsets=() i
    for i in "${!objs[@]}"; do
        offsets+=("${#out}")
        out+="$((i + 1)) 0 obj"$'\n'"${objs[$i]}"$'\n'"endobj"$'\n'
    done
    local xref=${#out}
    out+="xref"$'\n'"0 $((${#objs[@]} + 1))"$'\n'"0000000000 65535 f "$'\n'
    for i in "${offsets[@]}"; do
        out+=$(printf '%010d 00000 n ' "$i")$'\n'
    done
    out+="trailer"$'\n'"<< /Size $((${#objs[@]} + 1)) /Root 1 0 R >>"$'\n'"startxref"$'\n'"$xref"$'\n'"%%EOF"$'\n'
    printf '%s' "$out"
}
minimal_pdf >"$corpus/pdf/minimal.pdf"

# --- licence kinds, identifiers, QR codes, JSON ---------------------------------------------
seed licence_kind "$root"/policies/licences/*.toml
id="1.2.156.3005.2.11100000717802000J001.11440100MB2C12345P.0000000001.001.C"
text licence_id standard.txt "$id"
text licence_id variant.txt "1.2.156.3005.2.11100000717802000J001.11440100MB2C12345P.0000000001.002.7"
seed qr_photo "$fx"/web/qr-photo.jpg "$fx"/ofd/test-seal-picture.png
seed json_bodies "$fx"/web/*.json
seed trust_list "$fx"/web/licence-qr-report.json
text json_bodies grant.json '{"licence":"'"$id"'","agency":"11440100MB2C12345P","service_item":"开办","case_number":"2026-1","until":1767312000,"uses":1,"unmask":false}'
text json_bodies verify.json '{"object_base64":"MAA=","data_base64":"","purpose":"document-signer"}'
text json_bodies values.json '{"credit_code":"91350100M000100Y43","name":"广州市示例有限公司","entity_type":"有限责任公司","legal_representative":"王小明","business_scope":"软件开发","registered_capital":100.5,"established":"2020-01-01","term_to":"2040-12-31","domicile":"广州市天河区","registration_authority":"广州市市场监督管理局"}'
text json_bodies licence-status.json '{"format":"yinxin-licence-status/1","region":"gd","identifier":"'"$id"'","version":1,"status":"active","current_identifier":"'"$id"'","valid_to":"长期","produced_at":"2026-01-01T00:00:00Z","next_update":"2026-01-02T00:00:00Z"}'
text json_bodies seal-status.json '{"format":"yinxin-seal-status/1","es_id":"44010000001","status":"active","seal_sha256":"00","produced_at":"2026-01-01T00:00:00Z","next_update":"2026-01-02T00:00:00Z","region":"gd"}'
text oidc discovery.txt '{"issuer":"https://idp.fuzz.invalid","authorization_endpoint":"https://idp.fuzz.invalid/a","token_endpoint":"https://idp.fuzz.invalid/t","jwks_uri":"https://idp.fuzz.invalid/k","code_challenge_methods_supported":["S256"]}
eyJhbGciOiJFUzI1NiIsImtpZCI6ImsxIn0.eyJpc3MiOiJodHRwczovL2lkcC5mdXp6LmludmFsaWQiLCJhdWQiOiJ5aW54aW4iLCJub25jZSI6Im4iLCJleHAiOjE3NjcyMjkyMDAsImlhdCI6MTc2NzIyNTYwMCwic3ViIjoiMSJ9.AAAA'
text oidc jwks.txt '{"keys":[{"kty":"EC","crv":"P-256","kid":"k1","use":"sig","x":"MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4","y":"4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM"},{"kty":"RSA","kid":"r1","n":"sXch","e":"AQAB"}]}
s.n.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.1767225500'

trust_list_json() {
    local cert
    cert=$(base64 -w0 "$fx/pkits/certs/TrustAnchorRootCertificate.crt")
    printf '{"format":"yinxin-trust-list/1","region":{"code":"gd","name":"广东"},"sequence":1,"issued":"2026-01-01T00:00:00Z","next_update":"2026-02-01T00:00:00Z","services":[{"id":"sm2-root","kind":"root-ca","algorithm":"sm2","certificates":["%s"],"status":"granted","status_start":"2026-01-01T00:00:00Z","history":[{"status":"granted","start":"2026-01-01T00:00:00Z"}],"policies":["1.2.3"],"assurance_levels":{"1.2.3":"high"},"supply_points":{"crl":["http://gd.invalid/crl"],"ocsp":["http://gd.invalid/ocsp"],"tsa":["http://gd.invalid/tsa"],"licence_status":["http://gd.invalid/l"]}}]}' "$cert"
}
trust_list_json >"$corpus/trust_list/list.json"

if have python3; then
    python3 - "$corpus/qr_payload" "$id" <<'PY'
import sys
out, ident = sys.argv[1], sys.argv[2]
def head(major, n):
    if n < 24: return bytes([major << 5 | n])
    for code, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if n < 1 << (8 * size): return bytes([major << 5 | code]) + n.to_bytes(size, "big")
u = lambda n: head(0, n)
bstr = lambda b: head(2, len(b)) + b
tstr = lambda s: head(3, len(s.encode())) + s.encode()
def claims(shown):
    c = head(5, 8 if shown else 6) + u(1) + u(1) + u(2) + tstr("gd")
    c += u(3) + tstr(ident.removeprefix("1.2.156.3005.2."))
    if shown: c += u(4) + u(1767225600) + u(5) + u(1767225900)
    return c + u(6) + tstr("王小明") + u(7) + u(20301231) + u(8) + bstr(bytes(range(32)))
DIGITS = [0, 3, 5, 8, 10, 13, 15, 17]
def digits(b):
    return "".join(str(int.from_bytes(b[i:i + 7], "big")).zfill(DIGITS[len(b[i:i + 7])]) for i in range(0, len(b), 7))
import os
os.makedirs(out, exist_ok=True)
for name, shown in (("printed", False), ("shown", True)):
    payload = head(4, 4) + u(1) + bstr(bytes(8)) + bstr(claims(shown)) + bstr(bytes(64))
    with open(f"{out}/{name}.txt", "w") as f:
        f.write("HTTPS://YINXIN.EXAMPLE/V/" + digits(payload))
PY
else
    note "python3 not found: no QR payload seed"
fi
text qr_payload bare.txt "12345678901234567"

# --- made with OpenSSL: TSP, OCSP, CMS, PKCS#7 bundles, a signed PDF and trust list ----------
if ! have openssl; then
    note "openssl not found: no TSP, OCSP, CMS, signed PDF or signed trust list seeds"
    exit 0
fi
# From here on a failing step only leaves its seeds out.
set +e
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
ossl() { openssl "$@" >/dev/null 2>&1; }
# A CA, a TSU, a delegated OCSP responder and a trust-list signer, valid 2025..2035 whatever
# today's date (the targets run at 2026-01-01).
mkdir -p newcerts
: >index.txt
echo 1000 >serial
cat >ca.cnf <<EOF
[ ca ]
default_ca = seed
[ seed ]
database = $work/index.txt
new_certs_dir = $work/newcerts
serial = $work/serial
default_md = sha256
policy = any
preserve = yes
unique_subject = no
[ any ]
countryName = optional
organizationName = optional
commonName = supplied
[ ca_ext ]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign,digitalSignature
subjectKeyIdentifier = hash
[ tsa_ext ]
extendedKeyUsage = critical,timeStamping
keyUsage = critical,digitalSignature
authorityKeyIdentifier = keyid
[ ocsp_ext ]
extendedKeyUsage = OCSPSigning
keyUsage = critical,digitalSignature
authorityKeyIdentifier = keyid
[ list_ext ]
extendedKeyUsage = 1.3.6.1.4.1.32473.1.3.2
keyUsage = critical,digitalSignature,nonRepudiation
authorityKeyIdentifier = keyid
EOF
# issue NAME CN : a P-256 key and its certificate NAME.pem (extensions NAME_ext; the CA
# signs itself).
issue() {
    ossl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$1.key" -out "$1.csr" \
        -subj "/C=CN/O=yinxin fuzz/CN=$2"
    local signer=(-cert ca.pem)
    [ "$1" = ca ] && signer=(-selfsign)
    ossl ca -batch -config ca.cnf "${signer[@]}" -keyfile ca.key -in "$1.csr" -extensions "$1_ext" \
        -startdate 20250101000000Z -enddate 20351231000000Z -notext -out "$1.pem"
}
issue ca "Fuzz Seed CA"
issue tsa "Fuzz Seed TSA"
issue ocsp "Fuzz Seed OCSP"
issue list "Fuzz Seed Trust List Signer"
for c in ca tsa ocsp list; do ossl x509 -in $c.pem -outform DER -out $c.der; done
seed certificate ca.der tsa.der ocsp.der list.der
seed pem ca.pem tsa.pem
seed csr tsa.csr
ossl crl -inform DER -in "$fx/pkits/crls/GoodCACRL.crl" -outform PEM -out GoodCACRL.pem && seed pem GoodCACRL.pem
ossl crl2pkcs7 -nocrl -certfile ca.pem -certfile tsa.pem -outform DER -out bundle.p7c && seed aia_answer bundle.p7c
ossl crl2pkcs7 -nocrl -certfile ca.pem -outform PEM -out bundle.p7b && seed pem bundle.p7b

# Time-stamping (RFC 3161).
printf 'message\n' >msg.txt
cat >ts.cnf <<EOF
[ tsa ]
default_tsa = tsa1
[ tsa1 ]
serial = $work/tsaserial
crypto_device = builtin
signer_digest = sha256
default_policy = 1.2.3.4.1
other_policies = 1.2.3.4.2
digests = sha256, sha384, sha512
accuracy = secs:1, millisecs:500
ordering = no
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
EOF
ossl ts -query -data msg.txt -sha256 -cert -out q-cert.tsq
ossl ts -query -data msg.txt -sha512 -no_nonce -out q-nonce.tsq
ossl ts -query -data msg.txt -sha256 -tspolicy 1.2.3.4.2 -out q-policy.tsq
seed tsp_query q-cert.tsq q-nonce.tsq q-policy.tsq
for q in q-cert q-nonce q-policy; do
    ossl ts -reply -queryfile $q.tsq -signer tsa.pem -inkey tsa.key -chain ca.pem -config ts.cnf -out r-$q.tsr &&
        ossl ts -reply -in r-$q.tsr -token_out -out t-$q.der
done
seed tsp_response r-q-*.tsr
seed tsp_token t-q-*.der
seed cms t-q-cert.der
printf '\x30\x0c\x30\x0a\x02\x01\x02\x03\x05\x06\x00\x00\x00\x40' >rejection.tsr
seed tsp_response rejection.tsr

# OCSP (RFC 6960): requests, and the answers of `openssl ocsp` as a responder.
serial=$(openssl x509 -in tsa.pem -noout -serial | cut -d= -f2)
printf 'V\t351231000000Z\t\t%s\tunknown\t/C=CN/O=yinxin fuzz/CN=Fuzz Seed TSA\n' "$serial" >good.txt
printf 'R\t351231000000Z\t250101000000Z,keyCompromise\t%s\tunknown\t/C=CN/O=yinxin fuzz/CN=Fuzz Seed TSA\n' "$serial" >revoked.txt
ossl ocsp -issuer ca.pem -cert tsa.pem -reqout req-nonce.der
ossl ocsp -issuer ca.pem -sha256 -cert tsa.pem -no_nonce -reqout req-sha256.der
seed ocsp_request req-nonce.der req-sha256.der
for idx in good revoked; do
    ossl ocsp -index $idx.txt -rsigner ca.pem -rkey ca.key -CA ca.pem -reqin req-nonce.der \
        -respout resp-$idx.der -ndays 1
done
ossl ocsp -index good.txt -rsigner ocsp.pem -rkey ocsp.key -rother ca.pem -CA ca.pem -reqin req-sha256.der \
    -respout resp-delegated.der -resp_key_id -ndays 1
printf '\x30\x03\x0a\x01\x01' >resp-malformed.der
seed ocsp_response resp-*.der

# CMS (RFC 5652): detached and embedded.
ossl cms -sign -binary -in msg.txt -signer tsa.pem -inkey tsa.key -certfile ca.pem -outform DER -out detached.p7s
ossl cms -sign -binary -nodetach -in msg.txt -signer tsa.pem -inkey tsa.key -outform DER -out embedded.p7s
ossl cms -sign -binary -in msg.txt -signer tsa.pem -inkey tsa.key -outform PEM -out detached.pem
seed cms detached.p7s embedded.p7s detached.pem
seed pem detached.pem

# A signed trust list and a signed licence status (CMS with the JSON embedded).
trust_list_json >list.json
ossl cms -sign -binary -nodetach -in list.json -signer list.pem -inkey list.key -outform DER -out list.p7s &&
    seed trust_list list.p7s
cp "$corpus/json_bodies/licence-status.json" status.json
ossl cms -sign -binary -nodetach -in status.json -signer list.pem -inkey list.key -outform DER -out status.p7s &&
    seed licence_status status.p7s
seed licence_status embedded.p7s

# A signed PDF (adbe.pkcs7.detached) and a document time-stamp (ETSI.RFC3161).
if have python3; then
    python3 - "$corpus/pdf" "$work" <<'PY'
import subprocess, sys
out, work = sys.argv[1], sys.argv[2]
HOLE = 8192  # bytes of /Contents

def pdf(sub_filter, sign):
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [4 0 R] /SigFlags 3 >> >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Annots [4 0 R] >>",
        b"<< /Type /Annot /Subtype /Widget /FT /Sig /T (Signature1) /Rect [0 0 0 0] /P 3 0 R /V 5 0 R >>",
        b"<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /" + sub_filter
        + b" /ByteRange [0 ########## ########## ##########] /Contents <" + b"0" * (2 * HOLE) + b"> >>",
    ]
    body, offsets = b"%PDF-1.7\n", []
    for i, o in enumerate(objs, 1):
        offsets.append(len(body))
        body += b"%d 0 obj\n" % i + o + b"\nendobj\n"
    xref = len(body)
    body += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    body += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    body += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    a = body.index(b"/Contents <") + len(b"/Contents ")
    b = a + 2 * HOLE + 2
    c = len(body) - b
    br = b"%-10d %-10d %-10d" % (a, b, c)
    body = body.replace(b"########## ########## ##########", br)
    der = sign(body[:a] + body[b:])
    if der is None or len(der) > HOLE:
        return None
    return body[: a + 1] + der.hex().encode().ljust(2 * HOLE, b"0") + body[b - 1 :]

def run(*args):
    return subprocess.run(["openssl", *args], cwd=work, capture_output=True).returncode == 0

def cms(data):
    open(f"{work}/ranges.bin", "wb").write(data)
    if not run("cms", "-sign", "-binary", "-in", "ranges.bin", "-signer", "tsa.pem", "-inkey", "tsa.key",
               "-certfile", "ca.pem", "-outform", "DER", "-out", "pdf.p7s"):
        return None
    return open(f"{work}/pdf.p7s", "rb").read()

def stamp(data):
    open(f"{work}/ranges.bin", "wb").write(data)
    ok = run("ts", "-query", "-data", "ranges.bin", "-sha256", "-cert", "-out", "pdf.tsq") and run(
        "ts", "-reply", "-queryfile", "pdf.tsq", "-signer", "tsa.pem", "-inkey", "tsa.key",
        "-config", "ts.cnf", "-token_out", "-out", "pdf.tst")
    return open(f"{work}/pdf.tst", "rb").read() if ok else None

for name, sub, sign in (("signed", b"adbe.pkcs7.detached", cms), ("timestamp", b"ETSI.RFC3161", stamp)):
    doc = pdf(sub, sign)
    if doc:
        open(f"{out}/{name}.pdf", "wb").write(doc)
PY
fi

for t in "$corpus"/*/; do
    echo "$(basename "$t"): $(find "$t" -type f | wc -l) seeds"
done
