# Sourced by licence.sh and licence_import.sh: `make_agency BIN DATA WORK` makes, in region DATA,
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
