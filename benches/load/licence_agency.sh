# Sourced by licence.sh, licence_import.sh and qr_page.sh: `make_agency BIN DATA WORK` makes, in region DATA,
# an agency as tests/licences_api.rs does — an SM2 organization certificate (key generated,
# encrypted under WORK/kp.txt, written to WORK/agency/key.pem), the agency's 电子证照专用章
# listing it, and a licence-issuer token bound to both (its key imported) — and sets AGENCY,
# SERIAL and TOKEN.
make_agency() {
    local bin=$1 data=$2 work=$3
    AGENCY=11440100MB2C12345P
    echo agency-key-passphrase >"$work/kp.txt"
    echo '{"name": "广州市市场监督管理局", "credit_code": "'$AGENCY'"}' >"$work/agency.json"
    SERIAL=$($bin/yinxin issue --data-dir "$data" --profile organization --algorithm sm2 --generate-key \
        --key-passphrase-file "$work/kp.txt" --subject "$work/agency.json" --out "$work/agency" | jq -r .serial)
    $bin/yinxin seal create --data-dir "$data" --holder $AGENCY --type e-licence \
        --name 广州市市场监督管理局电子证照专用章 --signer "$SERIAL" >/dev/null
    TOKEN=$($bin/yinxin token create --data-dir "$data" --role licence-issuer --org $AGENCY --cert "$SERIAL" \
        --key "$work/agency/key.pem" --key-passphrase-file "$work/kp.txt" | jq -r .token)
}

# `licence_template FILE`: the body template of a business licence for `yinxin-load --mode
# licence-issue` ({n} and {credit_code} filled per request).
licence_template() {
    cat >"$1" <<'JSON'
{"kind": "business-licence", "values": {
  "credit_code": "{credit_code}",
  "name": "广州负载测试{n}科技有限公司",
  "entity_type": "有限责任公司（自然人投资或控股）",
  "legal_representative": "张三",
  "business_scope": "软件开发；信息技术咨询服务；数据处理和存储支持服务。",
  "registered_capital": "100",
  "established": "2019-03-01",
  "domicile": "广州市天河区示例路{n}号"}}
JSON
}

# `start_server BIN DATA PORT WORK`: `yinxin serve` on loopback with the per-caller rate limit
# lifted (one load generator); sets SERVER (its pid) once it listens.
start_server() {
    local bin=$1 data=$2 port=$3 work=$4
    YINXIN_RATE_LIMIT_PER_SECOND=1000000 YINXIN_RATE_LIMIT_BURST=1000000 YINXIN_LOG=warn \
        $bin/yinxin serve --data-dir "$data" --listen 127.0.0.1:$port >"$work/serve.out" 2>"$work/serve.err" &
    SERVER=$!
    for _ in $(seq 100); do grep -q listening "$work/serve.out" 2>/dev/null && break; sleep 0.1; done
}
