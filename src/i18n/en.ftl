# yinxin (印信) — English messages. Every id here is also in zh-CN.ftl (a test checks).
# Naming: see docs/i18n.md. Arguments are strings; attributes are addressed as `id.attr`.

## HTTP problem kinds (urn:yinxin:problem:<kind>): the value is the title. A `.detail*`
## attribute is a fixed English detail some handler sends; zh-CN answers its translation.

problem-already-revoked = Certificate already revoked
problem-bad-body = Unreadable request body
    .detail = the request body could not be read
problem-bad-query = Invalid query parameters
    .detail-both = give either keyword or page/x/y, not both
    .detail-keyword = keyword is empty
    .detail-page = page is a whole number from 1
    .detail-seal = the 'seal' query parameter (seal id) is required
problem-bad-request = Bad request
    .detail = the request could not be processed
    .detail-http = the request is not valid HTTP/1.1 (request line or header fields)
problem-body-too-large = Request body too large
    .detail = the request body is too large
problem-body-too-slow = Request body too slow
problem-cannot-sign = Cannot sign
problem-cannot-seal = Cannot seal
problem-certificate-not-valid = Certificate not valid
problem-database-unavailable = Database unavailable
    .detail = the database does not answer
problem-document-too-large = Document too large
problem-empty-document = Empty document
    .detail = the request body (the document) is empty
problem-forbidden = Forbidden
    .detail-scope = this certificate does not belong to your organization
    .detail-unbound = this token is not bound to a signer certificate
    .detail-unknown-cert = the token's certificate is unknown
    .detail-no-key = no key is held for this signer: use client-side signing (prepare/complete)
    .detail-seal-scope = this seal does not belong to your organization
    .detail-seal-org = a seal-admin bound to an organization makes seals for it only
    .detail-seal-personal = a seal-admin bound to an organization makes that organization's seals only; personal seals are made by an unbound seal-admin
    .detail-out-of-scope = the subject does not belong to your organization
problem-headers-too-large = Request head too large
    .detail = the request head is too large or has too many header fields
problem-hold-not-allowed = Hold not allowed
    .detail = certificateHold is only available for person certificates
problem-internal = Internal error
    .detail = an internal error occurred; it has been logged
    .detail-generic = an internal error occurred
problem-invalid-document = Invalid document
problem-invalid-holder = Invalid seal holder
problem-invalid-query = Invalid query parameters
    .detail-limit = limit must be between 1 and 1000
    .detail-trust = alg must be sm2 or p256, format cms or json
problem-invalid-reason = Invalid revocation reason
    .detail = reason must be an RFC 5280 reason name or code (0-6, 9, 10)
problem-cross-site = Sent from another site
problem-no-qr-code = No QR code in the picture
problem-invalid-request = Invalid request
    .detail-csr = give exactly one of `csr` or `generate_key`
    .detail-sm3-hex = `sm3_hex` is not hex
    .detail-sm3-len = `sm3_hex` must be 32 bytes
    .detail-data = give exactly one of `data_base64` or `sm3_hex`
    .detail-pem = `certificate_pem` is not PEM
    .detail-pem-cert = `certificate_pem` is not a CERTIFICATE
    .detail-tbs = the TBS_Sign is not for this seal
problem-invalid-seal = Invalid seal
problem-invalid-seal-id = Invalid seal id
    .detail = a seal id is up to 64 letters, digits or '-'
problem-invalid-seal-request = Invalid seal request
    .detail = 1 to 16 signer certificates
problem-invalid-serial = Invalid serial number
    .detail = a serial number is 1 to 64 hexadecimal characters
problem-invalid-time = Invalid time
problem-invalidity-date-before-validity = Invalidity date before validity
problem-invalidity-date-in-future = Invalidity date in the future
problem-malformed-csr = Malformed certificate request
problem-malformed-json = Malformed JSON
problem-method-not-allowed = Method not allowed
    .detail = this method is not allowed on this resource
problem-no-picture = No seal picture
problem-not-acceptable = Not acceptable
    .detail = available representations: application/json, application/pkix-cert, application/x-pem-file
problem-not-found = Not found
    .detail = no such resource
    .detail-trust-list = no trust list has been published yet
    .detail-ca-name = CA certificates are named {"{"}ca{"}"}.cer (DER) or {"{"}ca{"}"}.pem
    .detail-crl-name = CRLs are named {"{"}ca{"}"}.crl or {"{"}ca{"}"}-delta.crl
problem-not-served-here = Not served by this process
problem-overloaded = Service overloaded
    .detail = too many requests in progress; retry shortly
problem-personal-data = Personal data
    .detail = a personal seal's .esl is served to seal administrators, auditors and its signers only
problem-placement = Stamp placement
problem-rate-limited = Rate limit exceeded
problem-unknown-licence-kind = Unknown licence kind
problem-licence-kind-not-allowed = Licence kind not allowed for this agency
problem-invalid-licence-fields = Licence fields not acceptable
problem-invalid-licence-identifier = Licence identifier not acceptable
problem-licence-of-another-agency = Licence of another agency
problem-licence-status-conflict = Licence status does not allow this
problem-reason-required = Reason required
    .detail = a reason is required
problem-no-licence-seal = No e-licence seal
problem-invalid-registration = Registration data not acceptable
problem-registration-undone = Registration undone
problem-seal-not-active = Seal not active
problem-invalid-add-checkpoint = Malformed add-checkpoint request
problem-checkpoint-not-signed-by-log = Checkpoint not signed by the log
problem-unknown-log = Log not witnessed here
problem-inconsistent-checkpoint = Checkpoint inconsistent with the one cosigned before
problem-signature-invalid = Signature invalid
problem-signer-not-allowed = Signer not allowed
    .detail = the signer's certificate is not one the seal allows
problem-timeout = Request timed out
    .detail = the request took too long and was abandoned
problem-unauthorized = Authentication required
    .detail-missing = authentication required: send Authorization: Bearer <token>
    .detail-unknown = the token is not valid
    .detail-expired = the token has expired
    .detail-revoked = the token has been revoked
    .detail-personal = a personal seal's .esl carries personal data: a token is required
problem-unavailable = Service unavailable
    .detail-seals = seals are not enabled on this server
    .detail-trust = the trust list is not enabled on this server
    .detail-database = the service's database cannot be reached now; try again shortly
problem-unknown-algorithm = Unknown algorithm
problem-unknown-certificate = Unknown certificate
problem-unknown-seal-type = Unknown seal type
problem-unsupported-media-type = Unsupported media type
    .detail = unsupported content type
problem-uri-too-long = Request target too long
    .detail = the request target is too long
    .detail-ocsp = the OCSP request is too long
problem-weak-passphrase = Weak passphrase
    .detail = the passphrase is empty
    .detail-short = a passphrase of at least 8 characters is required to protect the generated key

## Problem kinds of certificate issuance (pki::authority::IssueError::code).
problem-unknown-profile = Unknown profile
problem-algorithm-not-allowed = Algorithm not allowed
problem-algorithm-mismatch = Algorithm mismatch
problem-service-profile = Service profile
problem-bad-check-character = Bad check character
problem-field-missing = Subject field missing
problem-field-too-long = Subject field too long
problem-invalid-subject = Invalid subject
problem-csr-signature-invalid = Certificate request signature invalid
problem-weak-key = Weak key
problem-malformed-key = Malformed key
problem-validity-beyond-profile = Validity beyond the profile
problem-validity-invalid = Invalid validity
    .detail = validity must be at least one day
problem-validity-beyond-issuer = Validity beyond the issuing CA
problem-out-of-scope = Out of scope
problem-no-issuer = No issuing CA

## Problem kinds of seals (seal::holder::HolderError::kind, seal::binding::Refusal::kind).
problem-signer-not-holder = Signer is not the seal's holder
    .detail = a personal seal is stamped with its holder's certificates only
problem-signer-not-bound = Signer not bound
problem-certificate-not-bound = Certificate not bound to the token
problem-signer-certificate-on-hold = Signer certificate on hold
problem-signer-certificate-revoked = Signer certificate revoked
problem-signer-certificate-expired = Signer certificate expired
problem-seal-outside-validity = Seal outside its validity
problem-organization-mismatch = Organization mismatch

## Titles by HTTP status, for a kind without a title of its own.
http-status-400 = Bad Request
http-status-401 = Unauthorized
http-status-403 = Forbidden
http-status-404 = Not Found
http-status-405 = Method Not Allowed
http-status-406 = Not Acceptable
http-status-408 = Request Timeout
http-status-409 = Conflict
http-status-413 = Payload Too Large
http-status-414 = URI Too Long
http-status-415 = Unsupported Media Type
http-status-422 = Unprocessable Entity
http-status-429 = Too Many Requests
http-status-431 = Request Header Fields Too Large
http-status-500 = Internal Server Error
http-status-503 = Service Unavailable

## Problem details with arguments (Problem::msg).
msg-certificate-not-found = no certificate with serial { $serial }
msg-certificate-out-of-scope = certificate { $serial } does not belong to your organization
msg-already-revoked = certificate { $serial } is already { $status }{ $reason_suffix }; a different revocation is not possible
msg-already-revoked-reason = { " " }(reason { $reason })
msg-invalidity-before-not-before = the invalidity date { $date } is before the certificate's notBefore { $not_before }
msg-invalidity-in-future = the invalidity date { $date } is in the future (now { $now })
msg-role-forbidden = role '{ $role }' may not do this
msg-rate-limited = rate limit of { $rate } requests/s exceeded for { $who }
msg-unsupported-content-type = expected Content-Type: { $expected }, got '{ $got }'
msg-body-exceeds = the request body exceeds { $limit } bytes
msg-malformed-json = the body is not valid JSON: { $error }
msg-schema-mismatch = the request does not match the schema: { $error }
msg-invalid-query = invalid query parameters: { $error }
msg-invalid-time = '{ $value }' is not an RFC 3339 time
msg-uri-too-long = the request target is { $length } bytes; at most { $max } are accepted
msg-body-too-slow = the request body arrived slower than { $rate } bytes/s and was cut off
msg-workers-busy = every verification worker { $who } is busy; retry shortly
msg-no-ca = no CA '{ $ca }'
msg-no-crl = no { $which } CRL has been published for { $ca } yet
msg-no-trust-service = no trust service { $id } in the list
msg-no-peer = no peer region { $region }
msg-not-served-here = { $method } { $path } is served by the { $role } process; this process has the role { $here }
msg-holds-no-key = this process (role { $here }) holds no key: a ca process serves this

## Certificate status and CRL reason names (RFC 5280 §5.3.1).
cert-status-valid = valid
cert-status-revoked = revoked
cert-status-hold = on hold
crl-reason-unspecified = unspecified
crl-reason-keyCompromise = keyCompromise
crl-reason-cACompromise = cACompromise
crl-reason-affiliationChanged = affiliationChanged
crl-reason-superseded = superseded
crl-reason-cessationOfOperation = cessationOfOperation
crl-reason-certificateHold = certificateHold
crl-reason-privilegeWithdrawn = privilegeWithdrawn
crl-reason-aACompromise = aACompromise

## ETSI EN 319 102-1 indications and sub-indications.
indication-TOTAL_PASSED = passed
indication-TOTAL_FAILED = failed
indication-INDETERMINATE = indeterminate
subindication-SIG_CRYPTO_FAILURE = a signature does not verify
subindication-REVOKED = a certificate is revoked
subindication-EXPIRED = a certificate has expired
subindication-NOT_YET_VALID = a certificate is not yet valid
subindication-NO_CERTIFICATE_CHAIN_FOUND = no path to a trust anchor
subindication-CHAIN_CONSTRAINTS_FAILURE = the path's constraints are not met
subindication-FORMAT_FAILURE = malformed data
subindication-CRYPTO_CONSTRAINTS_FAILURE = the algorithm is not supported or not accepted
subindication-TRY_LATER = the revocation status cannot be established now
subindication-REVOCATION_OUT_OF_BOUNDS = the revocation information is too old
subindication-OUT_OF_BOUNDS_NO_POE = expired after the claimed time, with no proof the signature existed before
subindication-REVOKED_NO_POE = revoked after the claimed time, with no proof the signature existed before
subindication-SIGNED_DATA_NOT_FOUND = the signed data was not given
subindication-NO_CHECK_RAN = a check a valid result needs did not run
subindication-HASH_FAILURE = the signed data does not match the signed hash
subindication-NO_SIGNING_CERTIFICATE_FOUND = the signer's certificate is missing, or the signed attribute names another one
subindication-GENERIC = another failure (e.g. an unusable signature time-stamp)

## Certificate path failure reasons (verify::reason::FailureReason::code).
reason-malformed-certificate = the certificate cannot be parsed
reason-malformed-extension = an extension is malformed or duplicated
reason-signature-algorithm-mismatch = the signature algorithm inside the signed part differs from the outer one
reason-serial-number-zero = the serial number is zero
reason-serial-number-negative = the serial number is negative
reason-serial-number-too-long = the serial number is longer than 20 octets
reason-malformed-subject-alt-name = the subjectAltName is malformed
reason-critical-authority-key-id = authorityKeyIdentifier is marked critical
reason-critical-subject-key-id = subjectKeyIdentifier is marked critical
reason-missing-authority-key-id = authorityKeyIdentifier is missing
reason-missing-subject-key-id = subjectKeyIdentifier is missing in a CA certificate
reason-empty-extended-key-usage = extendedKeyUsage is empty
reason-name-constraints-not-critical = nameConstraints is not marked critical
reason-policy-constraints-not-critical = policyConstraints is not marked critical
reason-name-constraints-in-end-entity = nameConstraints in an end-entity certificate
reason-key-cert-sign-in-end-entity = keyUsage keyCertSign in a certificate that is not a CA
reason-subject-alt-name-not-critical = the subject is empty and subjectAltName is not critical
reason-anchor-expired = the trust anchor's certificate has expired
reason-anchor-not-yet-valid = the trust anchor's certificate is not yet valid
reason-anchor-not-ca = the trust anchor's certificate is not a CA
reason-anchor-unknown-critical-extension = the trust anchor's certificate has an unsupported critical extension
reason-bad-signature = the signature does not verify with the issuer's key
reason-weak-signature-algorithm = weak signature algorithm (SHA-1 and MD5 are not accepted)
reason-pss-key-mismatch = an RSASSA-PSS key cannot verify this signature
reason-unsupported-algorithm = the signature algorithm or key cannot be processed
reason-signature-budget-exhausted = the signature check budget ran out
reason-no-path-to-anchor = no path to a trust anchor
reason-path-building-budget-exhausted = path building stopped at its work limit
reason-expired = the certificate has expired
reason-not-yet-valid = the certificate is not yet valid
reason-issuer-name-mismatch = the issuer name does not chain
reason-unknown-critical-extension = an unsupported critical extension
reason-not-ca = an intermediate certificate is not a CA
reason-path-length-exceeded = the path length constraint is exceeded
reason-key-cert-sign-not-allowed = keyUsage does not allow keyCertSign
reason-not-valid-for-purpose = the certificate is not valid for the purpose it is validated for
reason-no-valid-policy = no valid certificate policy where one is required
reason-invalid-policy-mapping = a policy mapping to or from anyPolicy
reason-policy-too-complex = the certificate policies are too complex to process
reason-name-constraints-violated = a name violates the name constraints
reason-revoked = the certificate is revoked
reason-revocation-unknown = no usable revocation data covers the certificate
reason-revocation-out-of-date = the only revocation data is out of date
reason-crl-number-missing = a CRL has no cRLNumber extension
reason-crl-number-critical = a CRL's cRLNumber extension is critical
reason-crl-malformed = a CRL is malformed
reason-crl-unknown-critical-extension = a CRL has an unsupported critical extension
reason-crl-entry-unknown-critical-extension = a CRL entry has an unsupported critical extension
reason-crl-signer-not-valid = no valid CRL signer for a CRL
reason-ocsp-responder-not-authorised = an OCSP response is not signed by an authorised responder
reason-ocsp-not-yet-valid = the OCSP response is from the future
reason-ocsp-certificate-unknown = the OCSP responder does not know the certificate
reason-not-recognized = the trust source (mutual recognition) refused the chain
reason-seal-status-unknown = the seal's registry status was not seen (no registry, no valid signed status)
reason-seal-not-in-registry = the seal was made by this region's seal maker but its registry does not hold it
reason-seal-not-active = the seal is suspended or revoked in its registry

## E-licence verification reasons (licence::verify::LicenceReason::code).
reason-licence-ofd-not-valid = the licence file's own seal verification did not pass
reason-licence-metadata-missing = the file carries no e-licence metadata (metadata.json)
reason-licence-metadata-invalid = the e-licence metadata is malformed, or the file's custom data disagree with it
reason-licence-metadata-not-sealed = no seal of the file protects the e-licence metadata
reason-licence-seal-not-e-licence = the seal protecting the licence is not an e-licence seal
reason-licence-seal-not-of-issuer = the seal protecting the licence does not belong to the issuer the licence names
reason-licence-identifier-invalid = the licence identifier is malformed or its check character is wrong
reason-licence-identifier-mismatch = the licence identifier names another issuer or type than the licence
reason-licence-data-signature-invalid = the registry's signature over the licence data does not verify, or is not the issuer's
reason-licence-revoked = the licence is revoked
reason-licence-suspended = the licence is suspended
reason-licence-superseded = this version of the licence was replaced by a newer one
reason-licence-expired = the licence has expired
reason-licence-status-unknown = the licence's status could not be established
reason-licence-region-not-accepted = e-licences of the issuing region are not accepted here
reason-licence-qr-malformed = the text is not a licence QR payload
reason-licence-qr-signer-unknown = no known QR signer has the payload's key id
reason-licence-qr-signer-invalid = the QR signer's certificate is not valid for signing licence QR codes
reason-licence-qr-signature-invalid = the QR payload's signature does not verify
reason-licence-qr-region-mismatch = the QR payload names another region than its signer's
reason-licence-claims-mismatch = the licence's claims disagree with its registry status
reason-licence-show-not-current = the holder's showing QR code is out of its time: ask the holder to show the licence again

## Command line: the error line and the CLI's own messages.
cli-error-prefix = error:{ " " }
cli-word-key-store-passphrase = key store passphrase
cli-error-no-passphrase = no { $what }: set YINXIN_KEY_PASSPHRASE or pass --key-passphrase-file (a demo region made by `yinxin quickstart` keeps it in DATA_DIR/DEMO-ONLY-key-passphrase.txt)
cli-error-no-passphrase-demo = no { $what }: set YINXIN_KEY_PASSPHRASE or pass --key-passphrase-file; this demo region keeps it in { $file }
cli-error-cannot-read = cannot read { $path }: { $error }
cli-error-cannot-create = cannot create { $path }: { $error }
cli-error-cannot-write = cannot write { $path }: { $error }
cli-error-no-region = { $path } not found: run `yinxin init` first (or pass --data-dir)
cli-error-exists = { $path } exists: refusing to overwrite
cli-io-not-found = no such file or directory
cli-io-permission-denied = permission denied
cli-io-exists = the file exists
cli-io-not-a-directory = not a directory
cli-io-is-a-directory = is a directory
cli-io-no-space = no space left on the device
cli-io-read-only = read-only file system

## Command line help (src/cli/help.rs): about, example and arguments of every command.
cli-examples-heading = Examples:
cli-heading-usage = Usage:{ " " }
cli-heading-commands = Commands
cli-heading-options = Options
cli-heading-arguments = Arguments
cli-help-about = Print this message or the help of the given subcommand(s)
cli-help-opt-subcommand = Print help for the subcommand(s)
cli-opt-lang = Language of help and messages: en or zh-CN (default: from LC_ALL, LC_MESSAGES, LANG)
cli-opt-help = Print help
cli-opt-version = Print version
cli-opt-data-dir = Data directory of the region
cli-opt-database-url = Database URL (overrides yinxin.toml): sqlite://FILE or postgres://…
cli-opt-key-passphrase-file = File holding the key store passphrase (else YINXIN_KEY_PASSPHRASE)
cli-opt-serial = Serial number (hex)
cli-opt-anchors = Trust anchor certificate(s)
cli-opt-cert = Signer certificate (PEM or DER)
cli-opt-crls = CRLs
cli-opt-json = Print the full JSON report
cli-opt-seal = esID
cli-opt-key = Signer key (encrypted PKCS#8 PEM)

cli-root-about = 印信 — electronic certification and e-seal service for digital government (SM2/SM3 and ECDSA P-256)
cli-root-example =
    yinxin quickstart  # demo region in ./data, served on 127.0.0.1:8080
    yinxin init --data-dir data --region 440100 --name 广州市
    yinxin list --data-dir data

cli-init-about = Create a region: SM2 and P-256 root and issuing CAs, OCSP, TSA and seal-maker certificates
cli-init-example =
    yinxin init --data-dir data --region 440100 --name 广州市 --key-passphrase-file pass.txt
cli-init-opt-data-dir = Data directory to create the region in
cli-init-opt-region = Region code (letters, digits, '-')
cli-init-opt-name = Region display name (may be Chinese)
cli-init-opt-database-url = Database URL (default sqlite://yinxin.db inside the data directory)
cli-init-opt-public-base-url = Public base URL put in certificates (CRL, OCSP, CA issuers)
cli-init-opt-hsm-module = PKCS#11 module that holds the region's P-256 keys (e.g. /usr/lib/softhsm/libsofthsm2.so)
cli-init-opt-hsm-token = Label of the PKCS#11 token for the region's keys
cli-init-opt-hsm-pin-file = File holding the token's user PIN (else YINXIN_HSM_PIN)

cli-issue-about = Issue a certificate under a profile from a CSR or with a generated key
cli-issue-example =
    yinxin issue --data-dir data --profile person --algorithm sm2 --csr me.csr --subject me.json --out me/
    yinxin issue --data-dir data --profile organization --algorithm p256 --generate-key --key-passphrase-file org.pass --subject org.json --out org/
cli-issue-opt-profile = Profile name (person, organization, device, …)
cli-issue-opt-algorithm = sm2 or p256
cli-issue-opt-csr = PKCS#10 request (PEM or DER)
cli-issue-opt-generate-key = Generate the key on the server and write it encrypted to OUT/key.pem
cli-issue-opt-key-passphrase-file = With --generate-key: file holding the passphrase for the generated key
cli-issue-opt-subject = Subject JSON file
cli-issue-opt-days = Validity in days (default: the profile maximum)
cli-issue-opt-out = Output directory for cert.pem, chain.pem and key.pem
cli-issue-opt-ca-passphrase-file = File holding the CA key store passphrase (else YINXIN_KEY_PASSPHRASE)

cli-show-about = Show one certificate (JSON; --pem for the certificate itself)
cli-show-example =
    yinxin show --data-dir data 3F2A9C01D4E5B6A7
    yinxin show --data-dir data 3F2A9C01D4E5B6A7 --pem
cli-show-opt-pem = Print the certificate PEM instead of JSON

cli-serve-about = Serve the REST API over a region's data directory
cli-serve-example =
    yinxin serve --data-dir data --listen 127.0.0.1:8080 --key-passphrase-file pass.txt
    yinxin serve --data-dir data --listen 127.0.0.1:8081 --role ca --key-passphrase-file pass.txt
    yinxin serve --data-dir data --listen 127.0.0.1:8082 --role verify
cli-serve-opt-listen = Listen address (overrides yinxin.toml; port 0 picks a free port)
cli-serve-opt-role = What this process serves (overrides yinxin.toml): all (default), ca (issuance, signing, administration; loads the keys) or verify (public verification, CRLs, trust lists; loads no key)
cli-serve-opt-key-passphrase-file = File holding the key store passphrase (else YINXIN_KEY_PASSPHRASE); a verify process reads neither

cli-quickstart-about = Demo: create a demo region in ./data on first run, print an admin token, serve on 127.0.0.1:8080
cli-quickstart-example =
    yinxin quickstart
    yinxin quickstart --data-dir demo --listen 127.0.0.1:9090
cli-quickstart-opt-data-dir = Data directory (created on first run)
cli-quickstart-opt-listen = Listen address

cli-revoke-about = Revoke a certificate (or put a person certificate on hold with certificateHold)
cli-revoke-example =
    yinxin revoke --data-dir data 3F2A9C01D4E5B6A7 --reason keyCompromise
    yinxin revoke --data-dir data 3F2A9C01D4E5B6A7 --reason certificateHold
cli-revoke-opt-reason = RFC 5280 reason name or code (unspecified, keyCompromise, superseded, certificateHold, …)
cli-revoke-opt-invalidity-date = Invalidity date (RFC 3339)

cli-crl-about = Make and publish a new CRL of a CA and write it to a file (DER)
cli-crl-example =
    yinxin crl --data-dir data --ca sm2-issuing --out sm2.crl
    yinxin crl --data-dir data --ca sm2-issuing --delta --out sm2-delta.crl
    yinxin crl --data-dir data --ca sm2-root --out root.crl
cli-crl-opt-ca = sm2 or p256 (the issuing CA), or a CA id such as sm2-root
cli-crl-opt-delta = A delta CRL over the latest full CRL
cli-crl-opt-out = Output file

cli-timestamp-about = Time-stamp a file with a TSA (RFC 3161 client): writes the TimeStampResp (.tsr)
cli-timestamp-example =
    yinxin timestamp --in contract.txt --out contract.tsr --hash sm3 --url http://127.0.0.1:8080/tsa
cli-timestamp-opt-input = The file to time-stamp
cli-timestamp-opt-out = Where to write the response (DER TimeStampResp)
cli-timestamp-opt-url = TSA URL (default: the region's public base URL + /tsa, from --data-dir)
cli-timestamp-opt-hash = Hash: sha256 (P-256 unit), sha384, sha512 or sm3 (SM2 unit)
cli-timestamp-opt-data-dir = Data directory (to find the TSA URL)

cli-verify-chain-about = Validate a certificate path (RFC 5280). Exit code: 0 TOTAL_PASSED, 1 TOTAL_FAILED, 2 INDETERMINATE, 3 usage or input error. Files may be PEM or DER
cli-verify-chain-example =
    yinxin verify-chain --anchor data/ca/sm2-root.pem --cert me/cert.pem --intermediate data/ca/sm2-issuing.pem --crl sm2.crl --crl root.crl
    yinxin verify-chain --anchor data/ca/sm2-root.pem --cert me/cert.pem --intermediate data/ca/sm2-issuing.pem --no-revocation --json
cli-verify-chain-opt-cert = The certificate to validate
cli-verify-chain-opt-intermediates = Candidate intermediate certificates (any order)
cli-verify-chain-opt-ocsp = OCSP responses (DER)
cli-verify-chain-opt-at = Validation time (RFC 3339; default now)
cli-verify-chain-opt-policies = user-initial-policy-set (default anyPolicy)
cli-verify-chain-opt-explicit-policy = initial-explicit-policy
cli-verify-chain-opt-inhibit-policy-mapping = initial-policy-mapping-inhibit
cli-verify-chain-opt-inhibit-any-policy = initial-any-policy-inhibit
cli-verify-chain-opt-no-revocation = Do not check revocation
cli-verify-chain-opt-no-anchor-constraints = Treat trust anchors as a name and a key only: do not require the anchor's certificate to be valid and a CA, nor apply its constraints (RFC 5937)
cli-verify-chain-opt-purpose = What the certificate is validated for: seal-maker, document-signer, tsu, ocsp-signer, trust-list-signer, ca, crl-signer, client-auth, server-auth

cli-seal-about = Electronic seals: make, list, revoke, stamp
cli-seal-example =
    yinxin seal create --data-dir data --holder 91350100M000100Y43 --type official --name 广州市数据局 --signer 3F2A9C01D4E5B6A7 --out seal.esl
    yinxin seal list --data-dir data

cli-seal-create-about = Make a seal (signed by the region's SM2 seal maker) and register it
cli-seal-create-example =
    yinxin seal create --data-dir data --holder 91350100M000100Y43 --type official --name 广州市数据局 --signer 3F2A9C01D4E5B6A7 --picture seal.png --out seal.esl
cli-seal-create-opt-holder = Holder: the unified social credit code (organization seals) or the resident identity number (personal seals; stored only as the region's salted hash)
cli-seal-create-opt-seal-type = Seal type key (official, contract, finance, invoice, e-licence, personal)
cli-seal-create-opt-name = Name on the seal
cli-seal-create-opt-signers = Serial(s) of the certificates allowed to stamp with it
cli-seal-create-opt-picture = The seal picture (PNG); default: the standard look for the type and name, drawn with the built-in font (GB 2312 hanzi; YINXIN_SEAL_FONT=FILE for another font)
cli-seal-create-opt-days = Validity in days (default: the type's maximum)
cli-seal-create-opt-out = Also write the seal (.esl, DER) here

cli-seal-list-about = List registered seals (one JSON object per line)
cli-seal-list-example =
    yinxin seal list --data-dir data --holder 91350100M000100Y43
cli-seal-list-opt-holder = Only this holder

cli-seal-revoke-about = Revoke (or suspend) a seal
cli-seal-revoke-example =
    yinxin seal revoke --data-dir data 440100-2026-000001
    yinxin seal revoke --data-dir data 440100-2026-000001 --suspend
cli-seal-revoke-opt-id = esID
cli-seal-revoke-opt-suspend = Suspend instead of revoking

cli-seal-apply-about = Seal an OFD document (a Type="Seal" signature) or a PDF (a visible signature showing the seal, its SES_Signature in the CMS), the stamp on a page at X,Y mm or centred on a keyword; earlier signatures stay valid
cli-seal-apply-example =
    yinxin seal apply --data-dir data --seal 440100-2026-000001 --in doc.ofd --page 1 --at 120,200 --out sealed.ofd --cert signer/cert.pem --key signer/key.pem --key-passphrase-file kp.txt
    yinxin seal apply --data-dir data --seal 440100-2026-000001 --in doc.ofd --keyword 盖章 --out sealed.ofd --cert signer/cert.pem --key signer/key.pem --key-passphrase-file kp.txt
    yinxin seal apply --data-dir data --seal 440100-2026-000001 --in approval.pdf --page 1 --at 120,200 --out sealed.pdf --cert signer/cert.pem --key signer/key.pem --key-passphrase-file kp.txt --tsa http://127.0.0.1:8080/tsa
cli-seal-apply-opt-input = The OFD or PDF to seal
cli-seal-apply-opt-out = The sealed OFD or PDF
cli-seal-apply-opt-tsa = PDF: RFC 3161 TSA URL for the time-stamps of the signature and of the seal's SES_Signature
cli-seal-apply-opt-page = Page (1-based)
cli-seal-apply-opt-at = Top-left corner of the stamp in mm: X,Y
cli-seal-apply-opt-keyword = Centre the stamp on the first text containing this
cli-seal-apply-opt-key-passphrase-file = File with the signer key's passphrase

cli-seal-sign-about = Stamp a file with a seal: writes an SES_Signature (DER), with a timestamp when a TSA URL is given
cli-seal-sign-example =
    yinxin seal sign --data-dir data --seal 440100-2026-000001 --in approval.pdf --out approval.sig --cert signer/cert.pem --key signer/key.pem --key-passphrase-file kp.txt --tsa http://127.0.0.1:8080/tsa
cli-seal-sign-opt-input = File to stamp
cli-seal-sign-opt-out = Output (.sig)
cli-seal-sign-opt-key-passphrase-file = File with the signer key's passphrase
cli-seal-sign-opt-tsa = TSA URL for a timestamp over the signature value

cli-verify-about = Verify a seal (.esl), an electronic signature (SES_Signature), an OFD (an e-licence too), a PDF, a CMS signature or a certificate; the kind is detected; or, with --qr, an e-licence's QR code. Exit codes as verify-chain. Offline by default: nothing is fetched unless --fetch-revocation is given
cli-verify-example =
    yinxin verify approval.sig --data approval.pdf --anchor data/ca/sm2-root.pem --chain data/ca/sm2-issuing.pem --crl sm2.crl --crl root.crl
    yinxin verify signed.ofd --anchor data/ca/sm2-root.pem --json
    yinxin verify licence.ofd --trust-list gd-trust-list.cms --trust-pin 3f1c0a5e --licence-status licence-status.cms
    yinxin verify --qr HTTPS://YZ.GD.GOV.CN/V/0123456789 --trust-list gd-trust-list.cms --trust-pin 3f1c0a5e --licence-status licence-status.cms
cli-verify-opt-file = The file (DER or PEM)
cli-verify-opt-qr = The text of an e-licence's QR code (the URL or the bare payload), verified instead of a file: its signer must be a QR signer listed in a --trust-list
cli-verify-opt-licence-statuses = A signed e-licence status (`GET /v1/licences/{"{"}id{"}"}/status`, CMS) signed by the --trust-pin signer of the licence's region: an e-licence is TOTAL_PASSED offline only with its valid status
cli-verify-opt-data = The original data (for signatures)
cli-verify-opt-intermediates = Intermediate certificates; `--chain FILE` takes a PEM bundle (every certificate in it, e.g. the issuing CA fetched from `/ca/{"{"}id{"}"}.pem`)
cli-verify-opt-no-revocation = Accept missing revocation data
cli-verify-opt-trust-lists = Signed trust list(s) of recognized regions (`GET /v1/trust-list`): their listed roots become anchors, judged by the services' status history
cli-verify-opt-trust-pins = SHA-256 (hex) of a certificate allowed to sign those lists
cli-verify-opt-seal-makers = A seal maker's certificate (PEM or DER) recognised as a seal maker although it lacks this region's seal-making EKU (e.g. another vendor's maker)
cli-verify-opt-purpose = For a bare certificate: what it is validated for (see verify-chain --purpose)
cli-verify-opt-no-anchor-constraints = For a bare certificate: treat trust anchors as a name and a key only (see verify-chain --no-anchor-constraints)
cli-verify-opt-seal-statuses = A signed seal status (`GET /v1/seals/{"{"}id{"}"}/status`, CMS): a seal of the anchors' region is TOTAL_PASSED offline only with its valid status
cli-verify-opt-fetch-revocation = Go online: take missing intermediates from the caIssuers URLs of the certificates, OCSP (else CRL and delta CRL) for every certificate of each path, and the signed status of a seal of the anchors' region — only from URLs under an allowed base (--allow-url, the supply points of --trust-list, the --data-dir region's public base URL); other URLs are not contacted, and the report lists what was fetched and what was not, and why. Without this flag nothing is fetched
cli-verify-opt-allow-urls = With --fetch-revocation: an http:// base URL that may be fetched from (e.g. `http://127.0.0.1:8080/`)
cli-verify-opt-data-dir = With --fetch-revocation: a region's data directory; its public base URL (yinxin.toml) may be fetched from

cli-sign-about = Sign any file with a detached CMS signature (.p7s): SM2 per GB/T 35275 or P-256
cli-sign-example =
    yinxin sign --in report.xlsx --out report.xlsx.p7s --cert signer/cert.pem --key signer/key.pem --key-passphrase-file kp.txt --chain data/ca/sm2-issuing.pem
    yinxin sign --ofd --in sealed.ofd --out signed.ofd --cert signer/cert.pem --key signer/key.pem --key-passphrase-file kp.txt --tsa http://127.0.0.1:8080/tsa
    yinxin sign --pdf --level B-LTA --data-dir data --in approval.pdf --out signed.pdf --cert signer/cert.pem --key signer/key.pem --key-passphrase-file kp.txt --tsa http://127.0.0.1:8080/tsa
cli-sign-opt-key-passphrase-file = File with the signer key's passphrase
cli-sign-opt-chain = Chain certificates to include (issuing CA …)
cli-sign-opt-input = The file to sign
cli-sign-opt-out = The signature (.p7s, DER), or with `--ofd` the signed OFD
cli-sign-opt-ofd = The input is an OFD: add a Type="Sign" signature (CMS over Signature.xml) inside the package instead of writing a detached .p7s
cli-sign-opt-tsa = RFC 3161 TSA URL: add a signature timestamp (unsigned attribute); signing fails when the TSA does not answer with a token
cli-sign-opt-pdf = The input is a PDF (also recognised by its %PDF- header): add a signature by incremental update, PAdES for P-256 keys, the vendors' SM2 profile for SM2 keys
cli-sign-opt-level = PDF: the PAdES level, B-B, B-T (with --tsa; the default then), B-LT or B-LTA (with --data-dir too)
cli-sign-opt-data-dir = PDF at B-LT or B-LTA: the region's data directory, whose CA certificates and newest CRLs go into the DSS
cli-sign-opt-certify = PDF: a certification signature (DocMDP) allowing later no-changes, form-fill or annotations; only as the document's first signature

cli-extend-about = Extend a signed PDF: B-LT adds the DSS (the region's CA certificates and newest CRLs for every certificate its signatures and time-stamps carry), B-LTA also a document time-stamp from --tsa
cli-extend-example =
    yinxin extend --data-dir data --in signed.pdf --out archived.pdf --level B-LTA --tsa http://127.0.0.1:8080/tsa
cli-extend-opt-input = The signed PDF
cli-extend-opt-out = The extended PDF
cli-extend-opt-level = B-LT or B-LTA
cli-extend-opt-tsa = RFC 3161 TSA URL for the document time-stamp (B-LTA)

cli-ofd-about = OFD documents: create a plain one with lines of text (for trying sealing and signing)
cli-ofd-example =
    yinxin ofd create --out doc.ofd --text 关于同意开展数据共享的批复 --text 经研究，同意。（盖章）
cli-ofd-create-about = Write an A4 OFD with the given lines of text (one page; a title line first)
cli-ofd-create-example =
    yinxin ofd create --out doc.ofd --text 关于同意开展数据共享的批复 --text 经研究，同意。（盖章）
cli-ofd-create-opt-lines = A line of text (repeat for more lines; the first is the title)
cli-ofd-create-opt-font = Font name declared for the text (not embedded; readers substitute it)
cli-ofd-create-opt-out = The OFD to write (must not exist)

cli-licence-about = E-licences (电子证照): issue, change, suspend, resume, revoke, show, import in bulk; check an identifier, list the kinds
cli-licence-example =
    yinxin licence check-id 1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.U
cli-licence-check-id-about = Check an e-licence identifier (GB/T 36904): its parts and its check character
cli-licence-check-id-example =
    yinxin licence check-id 1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.U
cli-licence-check-id-opt-id = The identifier, e.g. 1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.U
cli-licence-kinds-about = List the licence kinds (the built-in ones and those of a directory)
cli-licence-kinds-example =
    yinxin licence kinds --dir policies/licences
cli-licence-kinds-opt-dir = A directory of kind files (*.toml) added to and replacing the built-in ones

cli-opt-agency = The agency's unified social credit code (it manages only the licences it issued)

cli-licence-issue-about = Issue an e-licence: check the values against the kind, render the face, seal it with the agency's e-licence seal (timestamped by the region's TSA), store it, write the sealed OFD
cli-licence-issue-example =
    yinxin licence issue --data-dir data --kind business-licence --agency 11440100MB2C12345P --cert 3F2A9C01D4E5B6A7 --values company.json --external-key REG-2026-0001 --out licence.ofd
cli-licence-issue-opt-kind = Licence kind key (see `yinxin licence kinds`)
cli-licence-issue-opt-cert = Serial of the agency's certificate: its key is in the key store (yinxin token create --cert --key) and the agency's active e-licence seal lists it
cli-licence-issue-opt-values = JSON file with the field values: an object of field key to text (pictures in base64)
cli-licence-issue-opt-external-key = Your key for this licence (1 to 128 characters): issuing again with the same key gives back the licence already issued
cli-licence-issue-opt-out = Where to write the sealed OFD (must not exist)

cli-licence-change-about = Change a licence (变更): a new version with new values; the old one becomes superseded
cli-licence-change-example =
    yinxin licence change --data-dir data --agency 11440100MB2C12345P 1.2.156.3005.2.11100000000013338W011.11440100MB2C12345P.0000000001.001.X --values company-v2.json --cert 3F2A9C01D4E5B6A7 --out licence-v2.ofd
cli-licence-change-opt-id = The identifier of the version to change
cli-licence-change-opt-values = JSON file with the new version's field values (all of them, not only the changed ones)
cli-licence-change-opt-cert = Serial of the agency's certificate that seals the new version (as for issue)
cli-licence-change-opt-out = Where to write the new version's sealed OFD (must not exist)

cli-licence-suspend-about = Suspend a licence (a reason is required); `resume` puts it back in force
cli-licence-suspend-example =
    yinxin licence suspend --data-dir data --agency 11440100MB2C12345P 1.2.156.3005.2.11100000000013338W011.11440100MB2C12345P.0000000001.001.X --reason 责令停业整顿
cli-licence-suspend-opt-id = The licence identifier
cli-licence-suspend-opt-reason = Why (required to suspend or revoke; kept with the licence and in its events)

cli-licence-resume-about = Resume a suspended licence
cli-licence-resume-example =
    yinxin licence resume --data-dir data --agency 11440100MB2C12345P 1.2.156.3005.2.11100000000013338W011.11440100MB2C12345P.0000000001.001.X
cli-licence-resume-opt-id = The licence identifier
cli-licence-resume-opt-reason = Why (required to suspend or revoke; kept with the licence and in its events)

cli-licence-revoke-about = Revoke a licence (注销/废止, a reason is required): final
cli-licence-revoke-example =
    yinxin licence revoke --data-dir data --agency 11440100MB2C12345P 1.2.156.3005.2.11100000000013338W011.11440100MB2C12345P.0000000001.001.X --reason 企业申请注销
cli-licence-revoke-opt-id = The licence identifier
cli-licence-revoke-opt-reason = Why (required to suspend or revoke; kept with the licence and in its events)

cli-licence-show-about = Show a licence of the agency: its record, fields (sensitive ones masked) and events
cli-licence-show-example =
    yinxin licence show --data-dir data --agency 11440100MB2C12345P 1.2.156.3005.2.11100000000013338W011.11440100MB2C12345P.0000000001.001.X
cli-licence-show-opt-id = The licence identifier
cli-licence-show-opt-unmasked = Show sensitive fields (identity numbers …) in full instead of masked

cli-licence-document-about = Write a licence's sealed OFD (as issued) to a file
cli-licence-document-example =
    yinxin licence document --data-dir data 1.2.156.3005.2.11100000000013338W011.11440100MB2C12345P.0000000001.001.X --out licence.ofd
cli-licence-document-opt-id = The licence identifier
cli-licence-document-opt-out = Where to write the sealed OFD (must not exist)

cli-licence-import-about = Issue licences in bulk from a CSV (header = field keys) or JSON-lines file; resumable: rows already issued (by their external key) are skipped
cli-licence-import-example =
    yinxin licence import --data-dir data --kind business-licence --agency 11440100MB2C12345P --cert 3F2A9C01D4E5B6A7 companies.csv
    yinxin licence import --data-dir data --kind business-licence --agency 11440100MB2C12345P --cert 3F2A9C01D4E5B6A7 companies.jsonl --key-column credit_code --errors failed.jsonl
cli-licence-import-opt-kind = Licence kind key (see `yinxin licence kinds`)
cli-licence-import-opt-cert = Serial of the agency's certificate that seals the licences (as for issue)
cli-licence-import-opt-file = The rows: a CSV file (.csv) whose header names the field keys, or JSON lines (.jsonl), one object of field values per line
cli-licence-import-opt-errors = Where the rows that failed are described, one JSON object per line (default: FILE.errors.jsonl); rewritten on each run
cli-licence-import-opt-key-column = The column (or JSON field) holding each row's external key (default: external_key when present, else the file name and row number)
cli-licence-import-opt-workers = Rows issued at once (rendering, sealing and storing in parallel; default 0: one per core)

cli-backup-about = Back up the region (database snapshot, configuration, key store, documents) into one file signed by its TSA, optionally encrypted
cli-backup-example =
    yinxin backup --data-dir data --out region-2026-12-06.yxbak --backup-passphrase-file backup-pass.txt
cli-backup-opt-out = The backup file to write (refused if it exists)
cli-backup-opt-backup-passphrase-file = Encrypt the backup under the passphrase in this file (AES-256-GCM, PBKDF2)
cli-restore-about = Restore a backup into a new data directory, after checking its signature and every file's hash
cli-restore-example =
    yinxin restore --in region-2026-12-06.yxbak --data-dir data-restored --backup-passphrase-file backup-pass.txt --root-fingerprint 5d41402abc4b2a76b9719d911017c592…
    yinxin restore --in region-pg.yxbak --data-dir data-restored --database-url postgres://yinxin@db/yinxin_restored
cli-restore-opt-input = The backup file
cli-restore-opt-data-dir = The new data directory (must not exist, or be empty)
cli-restore-opt-database-url = A PostgreSQL backup: the empty database to restore into (postgres://…)
cli-restore-opt-backup-passphrase-file = The passphrase of an encrypted backup, in this file
cli-restore-opt-root-fingerprint = SHA-256 fingerprint of the region's root CA certificate the backup must be signed under
cli-audit-about = The tamper-evident audit trail: verify it, or fix its head in a checkpoint
cli-audit-example =
    yinxin audit verify --data-dir data
    yinxin audit checkpoint --data-dir data --key-passphrase-file pass.txt
cli-audit-verify-about = Check the audit trail: each row's link to the one before, the head, every checkpoint and its time-stamp; a changed, removed or reordered row is named
cli-audit-verify-example =
    yinxin audit verify --data-dir data
cli-audit-checkpoint-about = Fix the audit trail's head now in a checkpoint time-stamped by the region's TSA
cli-audit-checkpoint-example =
    yinxin audit checkpoint --data-dir data --key-passphrase-file pass.txt
cli-ca-about = The CA lifecycle: renew an issuing CA, roll a root over
cli-ca-example =
    yinxin ca renew-issuing --data-dir data --algorithm p256 --key-passphrase-file pass.txt
    yinxin ca renew-root --data-dir data --algorithm sm2 --key-passphrase-file pass.txt
cli-ca-renew-issuing-about = Renew an issuing CA with a new key under the current root; the old CA keeps its CRLs and OCSP until it expires
cli-ca-renew-issuing-example =
    yinxin ca renew-issuing --data-dir data --algorithm p256 --key-passphrase-file pass.txt
cli-ca-renew-issuing-opt-algorithm = sm2 or p256
cli-ca-renew-root-about = Roll a root CA over to a new key, with link certificates both ways (NewWithOld, OldWithNew)
cli-ca-renew-root-example =
    yinxin ca renew-root --data-dir data --algorithm sm2 --key-passphrase-file pass.txt
cli-ca-renew-root-opt-algorithm = sm2 or p256
cli-token-about = Operator tokens
cli-token-example =
    yinxin token create --data-dir data --role admin
    yinxin token revoke --data-dir data 7c1e2f3a4b5d6e7f

cli-token-create-about = Create a token; the secret is printed once and stored only as a hash
cli-token-create-example =
    yinxin token create --data-dir data --role registrar --org 91350100M000100Y43 --expires 30
    yinxin token create --data-dir data --role signer --cert 3F2A9C01D4E5B6A7 --key signer/key.pem --key-passphrase-file kp.txt
cli-token-create-opt-role = admin, registrar, auditor, seal-admin, signer, region-peer, licence-issuer, registration-authority or relying-agency
cli-token-create-opt-org = Bind a registrar, seal-admin or licence-issuer to an organization (unified social credit code)
cli-token-create-opt-cert = Signer and licence-issuer tokens: the serial of the certificate they sign or seal with
cli-token-create-opt-key = Signer and licence-issuer tokens: that certificate's key (encrypted PKCS#8 PEM), imported into the key store for server-side stamping (云签章)
cli-token-create-opt-key-passphrase-file = File with the passphrase of --key
cli-token-create-opt-ca-passphrase-file = File holding the key store passphrase (else YINXIN_KEY_PASSPHRASE), for --key
cli-token-create-opt-expires = Validity in days

cli-token-revoke-about = Revoke a token by id
cli-token-revoke-example =
    yinxin token revoke --data-dir data 7c1e2f3a4b5d6e7f
cli-token-revoke-opt-id = Token id

cli-cross-certify-about = Cross-certify a peer region's root CA (bridge model): a certificate from our root to the peer root with policy mappings and optional name constraints
cli-cross-certify-example =
    yinxin cross-certify --data-dir data --peer-root peer-root.pem --policy-map 1.3.6.1.4.1.32473.1.1.2=1.3.6.1.4.1.32473.9.1.2 --name-constraints permitted:dns:.example.gov.cn --out cross.pem
cli-cross-certify-opt-peer-root = The peer region's root CA certificate (PEM or DER)
cli-cross-certify-opt-algorithm = Which of our roots signs: sm2 or p256 (default: the algorithm of the peer root's key)
cli-cross-certify-opt-policy-map = OURS=THEIRS: our policy OID and the peer's equivalent (repeatable; at least one)
cli-cross-certify-opt-name-constraints = permitted|excluded:TYPE:VALUE with TYPE dirName (C=CN,O=…, in DN order), dns, email, uri or ip (CIDR), e.g. permitted:dirName:C=CN,O=Region Y or excluded:dns:.example (repeatable)
cli-cross-certify-opt-require-explicit-policy = Add policyConstraints requireExplicitPolicy=0: every path through the cross-certificate must be valid for a mapped policy
cli-cross-certify-opt-days = Validity in days (default 5 years; never beyond either root's notAfter)
cli-cross-certify-opt-out = Where to write the cross-certificate (PEM); it is also kept in DATA_DIR/ca

cli-monitor-about = Follow a recognized region's transparency log: verify it only grows, list what it appended (by holder or name), and flag seals it logged but no longer knows
cli-monitor-example =
    yinxin monitor --data-dir data --region fj --holder 91350100M000100Y43
cli-monitor-opt-region = The recognized region whose log to follow
cli-monitor-opt-log-url = Read the log from this URL instead of the one the region's list announces (a mirror)
cli-monitor-opt-state = State file (default: DATA_DIR/monitor/<region>.json)
cli-monitor-opt-holder = List only entries of this holder (credit code, or a person's holder hash)
cli-monitor-opt-name = List only entries whose name contains this text
cli-monitor-opt-no-registry-check = Do not look new seals up in the region's registry

cli-trust-list-about = The region's signed trust list (mutual recognition): publish, withdraw a service, show
cli-trust-list-example =
    yinxin trust-list publish --data-dir data
    yinxin trust-list show --data-dir data --out list.cms

cli-trust-list-publish-about = Sign and publish the next version (after any change of the region's services)
cli-trust-list-publish-example =
    yinxin trust-list publish --data-dir data --key-passphrase-file pass.txt
cli-trust-list-publish-opt-key-passphrase-file = File with the key store passphrase (default: YINXIN_KEY_PASSPHRASE)

cli-trust-list-withdraw-about = Withdraw a trust service (e.g. `sm2-seal-maker`) and publish the new version
cli-trust-list-withdraw-example =
    yinxin trust-list withdraw --data-dir data --service sm2-seal-maker
cli-trust-list-withdraw-opt-service = Service id as listed
cli-trust-list-withdraw-opt-key-passphrase-file = File with the key store passphrase (default: YINXIN_KEY_PASSPHRASE)

cli-trust-list-show-about = Print the newest published list and its signers' SHA-256 pins (JSON)
cli-trust-list-show-example =
    yinxin trust-list show --data-dir data
    yinxin trust-list show --data-dir data --out list.cms --alg p256
cli-trust-list-show-opt-out = Write the signed list (CMS DER) here
cli-trust-list-show-opt-alg = Which signed copy `--out` writes: sm2 (default) or p256

cli-list-about = List certificates (one JSON object per line)
cli-list-example =
    yinxin list --data-dir data --profile organization --status valid --limit 50
cli-list-opt-profile = Only this profile
cli-list-opt-status = Only this status (valid, revoked, hold)
cli-list-opt-after = Serials after this one (pagination cursor)
cli-list-opt-limit = At most this many (1–1000)

cli-enterprise-about = Companies (同步发放): register a new company's certificate, 公章 and business licence in one step
cli-enterprise-example =
    yinxin enterprise register --data-dir data --authority-cert 3F2A9C01D4E5B6A7 --registration company.json --key-passphrase-file company-pass.txt --external-key REG-2026-0002 --out company
cli-enterprise-register-about = Register a new company (同步发放): its organization certificate, its 公章 listing that certificate and its business licence, all three or none; write them into --out
cli-enterprise-register-example =
    yinxin enterprise register --data-dir data --authority-cert 3F2A9C01D4E5B6A7 --registration company.json --key-passphrase-file company-pass.txt --external-key REG-2026-0002 --out company
    yinxin enterprise register --data-dir data --authority-cert 3F2A9C01D4E5B6A7 --registration company.json --csr company.csr --algorithm p256 --out company
cli-enterprise-register-opt-authority-cert = Serial of the registration authority's certificate: its key is in the key store and the authority's active e-licence seal lists it
cli-enterprise-register-opt-registration = JSON file with the business licence's field values (name, credit_code, …)
cli-enterprise-register-opt-key-passphrase-file = File with the passphrase protecting the generated key (written encrypted to key.pem)
cli-enterprise-register-opt-csr = The company's certificate request (PEM) instead of a generated key
cli-enterprise-register-opt-algorithm = Key algorithm: sm2 or p256
cli-enterprise-register-opt-seal-name = The name on the 公章 (default: the company's name)
cli-enterprise-register-opt-external-key = Your key for this registration (1 to 128 characters): registering again with it gives back the same three
cli-enterprise-register-opt-ca-passphrase-file = File holding the key store passphrase (else YINXIN_KEY_PASSPHRASE)
cli-enterprise-register-opt-out = Directory to write cert.pem, chain.pem, key.pem, licence.ofd and seal.esl into

# The citizens' verification page (src/web)
web-title = Verify a seal, a signature or an e-licence
web-brand = yinxin · verification
web-skip = Skip to the content
web-language = Language
web-heading = Is this document genuine?
web-lead = Check a sealed or signed document (OFD), an e-licence, a seal, a signature or a certificate, or scan the QR code on a licence. Nothing you upload is kept.
web-footer = The result says only what the checks that ran have shown. Files are verified and then discarded.
web-error = The request could not be verified
web-form-heading = Verify
web-form-file = Document, seal, signature or certificate
web-form-file-hint = A sealed or signed OFD, an e-licence (.ofd), a seal (.esl), a signature (.p7s, SES), or a certificate (.cer, .pem).
web-form-data-summary = A detached signature (.p7s)? Add the signed file
web-form-data = The signed file
web-form-data-hint = The original file a .p7s signature was made over.
web-form-or = Or check a licence's QR code:
web-form-qr = Text of the QR code
web-form-qr-hint = Paste what a scanner read (the address starting with HTTP…/V/).
web-form-photo = Photo of the QR code
web-form-photo-hint = A PNG or JPEG picture in which the QR code is sharp and whole.
web-form-camera = Scan with the camera
web-form-scanning = Hold the QR code in front of the camera…
web-form-submit = Verify
web-verdict-valid = Valid
web-verdict-invalid = Invalid
web-verdict-undecided = Cannot be decided
web-headline-valid = This { $what } is genuine: every check passed.
web-headline-invalid = This { $what } is not valid: do not rely on it.
web-headline-undecided = Whether this { $what } is valid cannot be decided with what is at hand.
web-what-licence = e-licence
web-what-licence-qr = e-licence QR code
web-what-certificate = certificate
web-what-ofd = document
web-what-seal = seal
web-what-signature = signature
web-what-object = file
web-why = Why
web-file-changed = The file { $file } was changed, added or left unprotected after sealing
web-signers = Sealed or signed by
web-warnings = Please note
web-status = Status:
web-status-active = in force
web-status-suspended = suspended
web-status-revoked = revoked
web-status-superseded = replaced by a newer version
web-status-expired = expired
web-status-unknown = unknown
web-current-version = see the current version
web-identifier = Licence identifier
web-version = Version
web-holder = Holder
web-valid-to = Valid to
web-organization = Organization
web-seal-name = Seal
web-seal-picture = The seal { $name }
web-time = Time (Beijing)
web-time-proven = proven by a timestamp
web-time-claimed = only claimed by the signer, not proven
web-this-signature = This signature
web-steps = Every check
web-step-part = Part
web-step-name = Check
web-step-outcome = Outcome
web-step-detail = Detail
web-report-json = The report (JSON)
web-download-json = Download the report (JSON)
web-print = Print the report
web-error-nothing = Choose a file, paste the text of a QR code, or add a photo of one.
web-error-too-many = Give one thing to verify at a time: a file, the text of a QR code or a photo of one.
web-error-too-large = The upload is too large.
web-error-photo = No QR code could be read in the photo: take it again, sharp and with the whole code in the picture.
web-error-form = The form could not be read.
web-error-cross-site = This form can only be sent from this site's own page.
web-error-busy = Too many verifications right now: try again in a moment.
web-licence-status-heading = Licence status
web-licence-not-found = No licence with this identifier is registered in this region.

# holders (持证人)
web-holder-title = Holders: sign in
web-holder-signin-lead = Sign in with the region's identity service to see the licences and certificates you hold, show a licence and let an agency use one.
web-holder-signin = Sign in
web-holder-not-configured = Signing in is not set up on this server.
web-holder-mine = My licences
web-holder-greeting = Signed in as { $name }
web-holder-signout = Sign out
web-holder-code-heading = Authorization code
web-holder-code-hint = Give this code to the agency. It is shown only now; you can withdraw the consent at any time below.
web-holder-certificates = My certificates
web-holder-none = None.
web-holder-serial = Serial number
web-holder-profile = Type
web-holder-status = Status
web-holder-not-after = Valid until
web-holder-history = Who used my licences
web-holder-at = Time
web-holder-event = What
web-holder-licence = Licence
web-holder-agency = Agency
web-holder-detail = Detail
web-holder-licences = Licences
web-holder-number = Number
web-holder-issuer = Issued by
web-holder-valid-to = Valid to
web-holder-identifier = Identifier
web-holder-show = Show this licence
web-holder-grant = Let an agency use this licence
web-holder-grant-agency = Agency's unified social credit code
web-holder-grant-item = Service item
web-holder-grant-case = Case number
web-holder-grant-days = Valid for (days)
web-holder-grant-uses = Number of uses
web-holder-grant-unmask = Let the agency see sensitive fields unmasked
web-holder-grant-submit = Give consent
web-holder-grants = My consents
web-holder-purpose = Service item / case
web-holder-until = Until
web-holder-uses = Used
web-holder-state = State
web-holder-withdrawn = withdrawn
web-holder-open = in force
web-holder-closed = ended
web-holder-withdraw = Withdraw
web-holder-show-qr-alt = Dynamic QR code of the licence shown by its holder
web-holder-show-until = Shown at { $at }; this code is valid until { $until } and renews itself.
web-holder-back = Back to my licences
web-holder-event-sign-in = signed in
web-holder-event-show = shown
web-holder-event-grant = consent given
web-holder-event-withdraw = consent withdrawn
web-holder-event-exchange = used by the agency
web-holder-event-exchange-refused = agency's use refused
web-holder-event-duty-lookup = looked up by duty
problem-holder-sign-in-required = Holder sign-in required
problem-csrf = Form not from this session
problem-holders-not-configured = Holder sign-in not configured
problem-identity-provider = Identity provider unavailable
problem-sign-in-failed = Sign-in failed
problem-invalid-grant = Consent not acceptable
problem-grant-refused = Authorization code refused
problem-no-legal-basis = No legal basis for a lookup by duty
web-holder-renew = Renew the code now
web-shown-by-holder = Shown by its holder at { $at } (a dynamic QR code, valid for minutes).
web-holder-event-sign-out = signed out
