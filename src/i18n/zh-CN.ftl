# yinxin（印信）— 简体中文消息。此处每个 id 也必须在 en.ftl 中（有测试检查）。
# 命名规则见 docs/i18n.md。参数均为字符串；属性写作 `id.attr`。

## HTTP 问题类型（urn:yinxin:problem:<kind>）：值为标题；`.detail*` 属性为处理程序发送的
## 固定英文说明的译文。

problem-already-revoked = 证书已被吊销
problem-bad-body = 无法读取请求体
    .detail = 无法读取请求体
problem-bad-query = 查询参数无效
    .detail-both = 请给出 keyword 或 page/x/y 之一，不能同时给出
    .detail-keyword = keyword 为空
    .detail-page = page 是从 1 开始的整数
    .detail-seal = 缺少查询参数 seal（印章编号）
problem-bad-request = 请求错误
    .detail = 无法处理该请求
    .detail-http = 该请求不是有效的 HTTP/1.1 请求（请求行或头字段有误）
problem-body-too-large = 请求体过大
    .detail = 请求体过大
problem-body-too-slow = 请求体传输过慢
problem-cannot-sign = 无法签名
problem-cannot-seal = 无法盖章
problem-certificate-not-valid = 证书无效
problem-database-unavailable = 数据库不可用
    .detail = 数据库没有响应
problem-document-too-large = 文档过大
problem-empty-document = 文档为空
    .detail = 请求体（文档）为空
problem-forbidden = 禁止访问
    .detail-scope = 该证书不属于您的单位
    .detail-unbound = 该令牌未绑定签名人证书
    .detail-unknown-cert = 该令牌绑定的证书不存在
    .detail-no-key = 服务端未保存该签名人的密钥：请使用客户端签名（prepare/complete）
    .detail-seal-scope = 该印章不属于您的单位
    .detail-seal-org = 绑定单位的印章管理员只能为本单位制作印章
    .detail-seal-personal = 绑定单位的印章管理员只能制作本单位的印章；个人名章由未绑定单位的印章管理员制作
    .detail-out-of-scope = 证书主体不属于您的单位
problem-headers-too-large = 请求头过大
    .detail = 请求头过大或头字段过多
problem-hold-not-allowed = 不允许证书冻结
    .detail = 只有个人证书可以冻结（certificateHold）
problem-internal = 内部错误
    .detail = 服务内部发生错误，已记录日志
    .detail-generic = 服务内部发生错误
problem-invalid-document = 文档无效
problem-invalid-holder = 印章持有者无效
problem-invalid-query = 查询参数无效
    .detail-limit = limit 必须在 1 到 1000 之间
    .detail-trust = alg 必须为 sm2 或 p256，format 必须为 cms 或 json
problem-invalid-reason = 吊销原因无效
    .detail = 吊销原因必须是 RFC 5280 规定的原因名称或代码（0–6、9、10）
problem-cross-site = 来自其他站点的请求
problem-no-qr-code = 图片中没有二维码
problem-invalid-request = 请求无效
    .detail-csr = `csr` 与 `generate_key` 必须且只能给出其一
    .detail-sm3-hex = `sm3_hex` 不是十六进制
    .detail-sm3-len = `sm3_hex` 必须为 32 字节
    .detail-data = `data_base64` 与 `sm3_hex` 必须且只能给出其一
    .detail-pem = `certificate_pem` 不是 PEM 格式
    .detail-pem-cert = `certificate_pem` 不是证书（CERTIFICATE）
    .detail-tbs = 该待签数据（TBS_Sign）不属于此印章
problem-invalid-seal = 印章无效
problem-invalid-seal-id = 印章编号无效
    .detail = 印章编号最多 64 个字母、数字或“-”
problem-invalid-seal-request = 印章请求无效
    .detail = 需要 1 到 16 张签名人证书
problem-invalid-serial = 序列号无效
    .detail = 序列号为 1 到 64 个十六进制字符
problem-invalid-time = 时间无效
problem-invalidity-date-before-validity = 失效日期早于证书有效期
problem-invalidity-date-in-future = 失效日期在未来
problem-malformed-csr = 证书请求格式错误
problem-malformed-json = JSON 格式错误
problem-method-not-allowed = 不允许的请求方法
    .detail = 该资源不支持此请求方法
problem-no-picture = 缺少印章图片
problem-not-acceptable = 无法提供所需的表示形式
    .detail = 可用的表示形式：application/json、application/pkix-cert、application/x-pem-file
problem-not-found = 未找到
    .detail = 该资源不存在
    .detail-trust-list = 尚未发布信任列表
    .detail-ca-name = CA 证书的文件名为 {"{"}ca{"}"}.cer（DER）或 {"{"}ca{"}"}.pem
    .detail-crl-name = CRL 的文件名为 {"{"}ca{"}"}.crl 或 {"{"}ca{"}"}-delta.crl
problem-not-served-here = 本进程不提供此服务
problem-overloaded = 服务繁忙
    .detail = 正在处理的请求过多，请稍后重试
problem-personal-data = 个人数据
    .detail = 个人名章的 .esl 文件只提供给印章管理员、审计员和该印章的签名人
problem-placement = 盖章位置错误
problem-rate-limited = 超过速率限制
problem-unknown-licence-kind = 未知的证照类型
problem-licence-kind-not-allowed = 本机构无权签发该类证照
problem-invalid-licence-fields = 证照字段不符合要求
problem-invalid-licence-identifier = 证照标识不符合要求
problem-licence-of-another-agency = 该证照由其他机构签发
problem-licence-status-conflict = 证照当前状态不允许此操作
problem-reason-required = 需要说明原因
    .detail = 需要说明原因
problem-no-licence-seal = 缺少电子证照专用章
problem-invalid-registration = 登记数据不合格
problem-registration-undone = 该登记已撤销
problem-seal-not-active = 印章不可用
problem-invalid-add-checkpoint = add-checkpoint 请求格式错误
problem-checkpoint-not-signed-by-log = 检查点未经该日志签名
problem-unknown-log = 本区域不为该日志作见证
problem-inconsistent-checkpoint = 检查点与此前已联署的检查点不一致
problem-signature-invalid = 签名无效
problem-signer-not-allowed = 签名人不在允许范围内
    .detail = 签名人的证书不在该印章允许的证书列表中
problem-timeout = 请求超时
    .detail = 请求处理时间过长，已被放弃
problem-unauthorized = 需要身份认证
    .detail-missing = 需要身份认证：请发送 Authorization: Bearer <令牌>
    .detail-unknown = 令牌无效
    .detail-expired = 令牌已过期
    .detail-revoked = 令牌已被吊销
    .detail-personal = 个人名章的 .esl 文件含有个人数据，需要令牌
problem-unavailable = 服务不可用
    .detail-seals = 本服务器未启用电子印章
    .detail-trust = 本服务器未启用信任列表
    .detail-database = 服务的数据库暂时无法连接，请稍后重试
problem-unknown-algorithm = 未知算法
problem-unknown-certificate = 未知证书
problem-unknown-seal-type = 未知印章类型
problem-unsupported-media-type = 不支持的媒体类型
    .detail = 不支持的内容类型
problem-uri-too-long = 请求目标过长
    .detail = 请求目标过长
    .detail-ocsp = OCSP 请求过长
problem-weak-passphrase = 口令强度不足
    .detail = 口令为空
    .detail-short = 需要至少 8 个字符的口令来保护生成的密钥

## 证书签发的问题类型（pki::authority::IssueError::code）。
problem-unknown-profile = 未知证书模板
problem-algorithm-not-allowed = 不允许的算法
problem-algorithm-mismatch = 算法不一致
problem-service-profile = 服务证书模板
problem-bad-check-character = 校验码错误
problem-field-missing = 缺少主体字段
problem-field-too-long = 主体字段过长
problem-invalid-subject = 证书主体无效
problem-csr-signature-invalid = 证书请求签名无效
problem-weak-key = 密钥强度不足
problem-malformed-key = 密钥格式错误
problem-validity-beyond-profile = 有效期超出模板上限
problem-validity-invalid = 有效期无效
    .detail = 有效期至少为一天
problem-validity-beyond-issuer = 有效期超出签发 CA 的有效期
problem-out-of-scope = 超出授权范围
problem-no-issuer = 没有签发 CA

## 电子印章的问题类型（seal::holder::HolderError::kind、seal::binding::Refusal::kind）。
problem-signer-not-holder = 签名人不是印章持有者
    .detail = 个人名章只能用其持有者本人的证书盖章
problem-signer-not-bound = 签名人未绑定
problem-certificate-not-bound = 证书未绑定到该令牌
problem-signer-certificate-on-hold = 签名人证书已冻结
problem-signer-certificate-revoked = 签名人证书已吊销
problem-signer-certificate-expired = 签名人证书已过期
problem-seal-outside-validity = 印章不在有效期内
problem-organization-mismatch = 单位不一致

## 按 HTTP 状态码的标题（用于没有专门标题的问题类型）。
http-status-400 = 请求错误
http-status-401 = 未认证
http-status-403 = 禁止访问
http-status-404 = 未找到
http-status-405 = 不允许的请求方法
http-status-406 = 无法接受
http-status-408 = 请求超时
http-status-409 = 冲突
http-status-413 = 请求体过大
http-status-414 = 请求目标过长
http-status-415 = 不支持的媒体类型
http-status-422 = 无法处理的请求
http-status-429 = 请求过多
http-status-431 = 请求头过大
http-status-500 = 服务器内部错误
http-status-503 = 服务不可用

## 带参数的问题说明（Problem::msg）。
msg-certificate-not-found = 没有序列号为 { $serial } 的证书
msg-certificate-out-of-scope = 证书 { $serial } 不属于您的单位
msg-already-revoked = 证书 { $serial } 已{ $status }{ $reason_suffix }，不能再以不同方式吊销
msg-already-revoked-reason = （原因：{ $reason }）
msg-invalidity-before-not-before = 失效日期 { $date } 早于证书生效时间（notBefore）{ $not_before }
msg-invalidity-in-future = 失效日期 { $date } 在未来（当前时间 { $now }）
msg-role-forbidden = 角色“{ $role }”无权执行此操作
msg-rate-limited = 超过速率限制（每秒 { $rate } 个请求）
msg-unsupported-content-type = Content-Type 应为 { $expected }，实际为“{ $got }”
msg-body-exceeds = 请求体超过 { $limit } 字节
msg-malformed-json = 请求体不是有效的 JSON（{ $error }）
msg-schema-mismatch = 请求内容不符合接口定义（{ $error }）
msg-invalid-query = 查询参数无效（{ $error }）
msg-invalid-time = “{ $value }”不是 RFC 3339 格式的时间
msg-uri-too-long = 请求目标长 { $length } 字节，最多接受 { $max } 字节
msg-body-too-slow = 请求体传输速度低于每秒 { $rate } 字节，已被中断
msg-workers-busy = 验证工作线程全忙，请稍后重试
msg-no-ca = 没有名为“{ $ca }”的 CA
msg-no-crl = CA { $ca } 尚未发布{ $which ->
        [delta] 增量
       *[full] 完整
    } CRL
msg-no-trust-service = 信任列表中没有服务 { $id }
msg-no-peer = 没有对等区域 { $region }
msg-not-served-here = { $method } { $path } 由 { $role } 角色的进程提供；本进程的角色为 { $here }
msg-holds-no-key = 本进程（角色 { $here }）不持有任何密钥：此功能由 ca 角色的进程提供

## 证书状态与 CRL 吊销原因（RFC 5280 §5.3.1）。
cert-status-valid = 有效
cert-status-revoked = 吊销
cert-status-hold = 冻结
crl-reason-unspecified = 未指定
crl-reason-keyCompromise = 密钥泄露
crl-reason-cACompromise = CA 密钥泄露
crl-reason-affiliationChanged = 隶属关系变更
crl-reason-superseded = 已被取代
crl-reason-cessationOfOperation = 停止运营
crl-reason-certificateHold = 证书冻结
crl-reason-privilegeWithdrawn = 权限撤销
crl-reason-aACompromise = 属性机构密钥泄露

## ETSI EN 319 102-1 验证结论与子结论。
indication-TOTAL_PASSED = 验证通过
indication-TOTAL_FAILED = 验证失败
indication-INDETERMINATE = 无法确定
subindication-SIG_CRYPTO_FAILURE = 签名验证不通过
subindication-REVOKED = 证书已被吊销
subindication-EXPIRED = 证书已过期
subindication-NOT_YET_VALID = 证书尚未生效
subindication-NO_CERTIFICATE_CHAIN_FOUND = 找不到通往信任锚的证书路径
subindication-CHAIN_CONSTRAINTS_FAILURE = 证书路径不满足约束条件
subindication-FORMAT_FAILURE = 数据格式错误
subindication-CRYPTO_CONSTRAINTS_FAILURE = 算法不受支持或不被接受
subindication-TRY_LATER = 暂时无法确定吊销状态
subindication-REVOCATION_OUT_OF_BOUNDS = 吊销信息已过时
subindication-OUT_OF_BOUNDS_NO_POE = 证书在声称的签名时间之后过期，且没有签名早已存在的证明
subindication-REVOKED_NO_POE = 证书在声称的签名时间之后被吊销，且没有签名早已存在的证明
subindication-SIGNED_DATA_NOT_FOUND = 未提供被签名的数据
subindication-NO_CHECK_RAN = 有效结论所需的检查未执行
subindication-HASH_FAILURE = 签名数据与签名中的摘要不符
subindication-NO_SIGNING_CERTIFICATE_FOUND = 缺少签名者证书，或签名属性指向另一张证书
subindication-GENERIC = 其他失败（例如签名时间戳不可用）

## 证书路径验证失败原因（verify::reason::FailureReason::code）。
reason-malformed-certificate = 证书无法解析
reason-malformed-extension = 扩展项格式错误或重复
reason-signature-algorithm-mismatch = 签名部分内的签名算法与外层签名算法不一致
reason-serial-number-zero = 序列号为零
reason-serial-number-negative = 序列号为负数
reason-serial-number-too-long = 序列号超过 20 个八位组
reason-malformed-subject-alt-name = 主体备用名称（subjectAltName）格式错误
reason-critical-authority-key-id = 颁发机构密钥标识符（authorityKeyIdentifier）被标记为关键
reason-critical-subject-key-id = 主体密钥标识符（subjectKeyIdentifier）被标记为关键
reason-missing-authority-key-id = 缺少颁发机构密钥标识符（authorityKeyIdentifier）
reason-missing-subject-key-id = CA 证书缺少主体密钥标识符（subjectKeyIdentifier）
reason-empty-extended-key-usage = 扩展密钥用法（extendedKeyUsage）为空
reason-name-constraints-not-critical = 名称约束（nameConstraints）未标记为关键
reason-policy-constraints-not-critical = 策略约束（policyConstraints）未标记为关键
reason-name-constraints-in-end-entity = 终端实体证书中含有名称约束（nameConstraints）
reason-key-cert-sign-in-end-entity = 非 CA 证书的密钥用法含有证书签名（keyCertSign）
reason-subject-alt-name-not-critical = 主体为空而主体备用名称（subjectAltName）未标记为关键
reason-anchor-expired = 信任锚证书已过期
reason-anchor-not-yet-valid = 信任锚证书尚未生效
reason-anchor-not-ca = 信任锚证书不是 CA 证书
reason-anchor-unknown-critical-extension = 信任锚证书含有不支持的关键扩展
reason-bad-signature = 用签发者公钥验证签名不通过
reason-weak-signature-algorithm = 签名算法强度不足（不接受 SHA-1 和 MD5）
reason-pss-key-mismatch = RSASSA-PSS 密钥不能验证此签名
reason-unsupported-algorithm = 无法处理该签名算法或密钥
reason-signature-budget-exhausted = 签名验证次数已达上限
reason-no-path-to-anchor = 找不到通往信任锚的证书路径
reason-path-building-budget-exhausted = 路径构建已达工作量上限
reason-expired = 证书已过期
reason-not-yet-valid = 证书尚未生效
reason-issuer-name-mismatch = 签发者名称与上级证书的主体名称不一致
reason-unknown-critical-extension = 含有不支持的关键扩展
reason-not-ca = 中间证书不是 CA 证书
reason-path-length-exceeded = 超出路径长度约束
reason-key-cert-sign-not-allowed = 密钥用法不允许签发证书（keyCertSign）
reason-not-valid-for-purpose = 证书不适用于所验证的用途
reason-no-valid-policy = 需要有效的证书策略，但没有
reason-invalid-policy-mapping = 策略映射涉及 anyPolicy
reason-policy-too-complex = 证书策略过于复杂，无法处理
reason-name-constraints-violated = 名称违反名称约束
reason-revoked = 证书已被吊销
reason-revocation-unknown = 没有可用的吊销信息覆盖该证书
reason-revocation-out-of-date = 仅有的吊销信息已过时
reason-crl-number-missing = CRL 缺少 CRL 编号（cRLNumber）扩展
reason-crl-number-critical = CRL 的 CRL 编号（cRLNumber）扩展被标记为关键
reason-crl-malformed = CRL 格式错误
reason-crl-unknown-critical-extension = CRL 含有不支持的关键扩展
reason-crl-entry-unknown-critical-extension = CRL 条目含有不支持的关键扩展
reason-crl-signer-not-valid = CRL 没有有效的签发者
reason-ocsp-responder-not-authorised = OCSP 响应不是由授权的响应者签名
reason-ocsp-not-yet-valid = OCSP 响应的时间在未来
reason-ocsp-certificate-unknown = OCSP 响应者不认识该证书
reason-not-recognized = 信任来源（互认）拒绝了该证书路径
reason-seal-status-unknown = 未看到该印章在登记库中的状态（未查询登记库，也无有效的签名状态）
reason-seal-not-in-registry = 该印章由本区域制章者制作，但登记库中没有它
reason-seal-not-active = 该印章在登记库中已暂停或已吊销

## E-licence verification reasons (licence::verify::LicenceReason::code).
reason-licence-ofd-not-valid = 证照文件本身的签章验证未通过
reason-licence-metadata-missing = 文件中没有电子证照元数据（metadata.json）
reason-licence-metadata-invalid = 电子证照元数据格式不正确，或文件的自定义数据与之不一致
reason-licence-metadata-not-sealed = 文件中没有签章保护电子证照元数据
reason-licence-seal-not-e-licence = 保护证照的印章不是电子证照专用章
reason-licence-seal-not-of-issuer = 保护证照的印章不属于证照所载的颁发机构
reason-licence-identifier-invalid = 证照标识格式不正确或校验位错误
reason-licence-identifier-mismatch = 证照标识所含的颁发机构或类型与证照不符
reason-licence-data-signature-invalid = 登记库对证照数据的签名验证失败，或不是颁发机构的签名
reason-licence-revoked = 该证照已注销或废止
reason-licence-suspended = 该证照已暂停
reason-licence-superseded = 该版本的证照已被新版本替代
reason-licence-expired = 该证照已过有效期
reason-licence-status-unknown = 无法确定该证照的状态
reason-licence-region-not-accepted = 本区域不认可颁发区域的电子证照
reason-licence-qr-malformed = 该文本不是证照二维码内容
reason-licence-qr-signer-unknown = 没有已知的二维码签名者使用该密钥标识
reason-licence-qr-signer-invalid = 二维码签名者的证书不能用于签署证照二维码
reason-licence-qr-signature-invalid = 二维码内容的签名验证失败
reason-licence-qr-region-mismatch = 二维码内容所载区域与其签名者的区域不符
reason-licence-claims-mismatch = 证照所载内容与登记状态不一致
reason-licence-show-not-current = 亮证二维码已超出有效时间，请持证人重新亮证

## 命令行：错误行与命令行自身的消息。
cli-error-prefix = 错误：
cli-word-key-store-passphrase = 密钥库口令
cli-error-no-passphrase = 未提供{ $what }：请设置环境变量 YINXIN_KEY_PASSPHRASE 或使用 --key-passphrase-file（`yinxin quickstart` 创建的演示区域将其保存在 DATA_DIR/DEMO-ONLY-key-passphrase.txt）
cli-error-no-passphrase-demo = 未提供{ $what }：请设置环境变量 YINXIN_KEY_PASSPHRASE 或使用 --key-passphrase-file；此演示区域的口令保存在 { $file }
cli-error-cannot-read = 无法读取 { $path }：{ $error }
cli-error-cannot-create = 无法创建 { $path }：{ $error }
cli-error-cannot-write = 无法写入 { $path }：{ $error }
cli-error-no-region = 未找到 { $path }：请先运行 `yinxin init`（或使用 --data-dir 指定数据目录）
cli-error-exists = { $path } 已存在，拒绝覆盖
cli-io-not-found = 文件或目录不存在
cli-io-permission-denied = 权限不足
cli-io-exists = 文件已存在
cli-io-not-a-directory = 不是目录
cli-io-is-a-directory = 是一个目录
cli-io-no-space = 设备上没有剩余空间
cli-io-read-only = 只读文件系统

## 命令行帮助（src/cli/help.rs）：每个命令的说明、示例和参数。
cli-examples-heading = 示例：
cli-heading-usage = 用法：
cli-heading-commands = 命令
cli-heading-options = 选项
cli-heading-arguments = 参数
cli-help-about = 显示本帮助或指定子命令的帮助
cli-help-opt-subcommand = 要显示帮助的子命令
cli-opt-lang = 帮助与消息的语言：en 或 zh-CN（默认取自 LC_ALL、LC_MESSAGES、LANG）
cli-opt-help = 显示帮助
cli-opt-version = 显示版本
cli-opt-data-dir = 区域的数据目录
cli-opt-database-url = 数据库 URL（覆盖 yinxin.toml）：sqlite://文件 或 postgres://…
cli-opt-key-passphrase-file = 存放密钥库口令的文件（否则使用 YINXIN_KEY_PASSPHRASE）
cli-opt-serial = 序列号（十六进制）
cli-opt-anchors = 信任锚证书
cli-opt-cert = 签名人证书（PEM 或 DER）
cli-opt-crls = 证书吊销列表（CRL）
cli-opt-json = 输出完整的 JSON 报告
cli-opt-seal = 印章编号（esID）
cli-opt-key = 签名人私钥（加密的 PKCS#8 PEM）

cli-root-about = 印信：面向数字政府的电子认证与电子印章服务（SM2/SM3 与 ECDSA P-256）
cli-root-example =
    yinxin quickstart  # 在 ./data 创建演示区域，服务于 127.0.0.1:8080
    yinxin init --data-dir data --region 440100 --name 广州市
    yinxin list --data-dir data

cli-init-about = 创建区域：SM2 与 P-256 根 CA 和签发 CA，以及 OCSP、时间戳（TSA）和制章者证书
cli-init-example =
    yinxin init --data-dir data --region 440100 --name 广州市 --key-passphrase-file pass.txt
cli-init-opt-data-dir = 创建区域所用的数据目录
cli-init-opt-region = 区域代码（字母、数字或“-”）
cli-init-opt-name = 区域显示名称（可用中文）
cli-init-opt-database-url = 数据库 URL（默认为数据目录中的 sqlite://yinxin.db）
cli-init-opt-public-base-url = 写入证书的公开基础 URL（CRL、OCSP、CA 签发者）
cli-init-opt-hsm-module = 保存区域 P-256 密钥的 PKCS#11 模块（例如 /usr/lib/softhsm/libsofthsm2.so）
cli-init-opt-hsm-token = 保存区域密钥的 PKCS#11 令牌标签
cli-init-opt-hsm-pin-file = 保存令牌用户 PIN 的文件（否则读 YINXIN_HSM_PIN）

cli-issue-about = 按证书模板签发证书：使用证书请求（CSR）或由服务端生成密钥
cli-issue-example =
    yinxin issue --data-dir data --profile person --algorithm sm2 --csr me.csr --subject me.json --out me/
    yinxin issue --data-dir data --profile organization --algorithm p256 --generate-key --key-passphrase-file org.pass --subject org.json --out org/
cli-issue-opt-profile = 证书模板名称（person 个人、organization 单位、device 设备……）
cli-issue-opt-algorithm = sm2 或 p256
cli-issue-opt-csr = PKCS#10 证书请求（PEM 或 DER）
cli-issue-opt-generate-key = 由服务端生成密钥，加密后写入 OUT/key.pem
cli-issue-opt-key-passphrase-file = 配合 --generate-key：存放生成密钥所用口令的文件
cli-issue-opt-subject = 证书主体 JSON 文件
cli-issue-opt-days = 有效天数（默认为模板上限）
cli-issue-opt-out = cert.pem、chain.pem 和 key.pem 的输出目录
cli-issue-opt-ca-passphrase-file = 存放 CA 密钥库口令的文件（否则使用 YINXIN_KEY_PASSPHRASE）

cli-show-about = 显示一张证书（JSON；使用 --pem 输出证书本身）
cli-show-example =
    yinxin show --data-dir data 3F2A9C01D4E5B6A7
    yinxin show --data-dir data 3F2A9C01D4E5B6A7 --pem
cli-show-opt-pem = 输出证书 PEM 而非 JSON

cli-serve-about = 基于区域数据目录提供 REST API 服务
cli-serve-example =
    yinxin serve --data-dir data --listen 127.0.0.1:8080 --key-passphrase-file pass.txt
    yinxin serve --data-dir data --listen 127.0.0.1:8081 --role ca --key-passphrase-file pass.txt
    yinxin serve --data-dir data --listen 127.0.0.1:8082 --role verify
cli-serve-opt-listen = 监听地址（覆盖 yinxin.toml；端口 0 表示自动选择空闲端口）
cli-serve-opt-role = 本进程提供的服务（覆盖 yinxin.toml）：all（默认，全部）、ca（签发、签名与管理；加载密钥）或 verify（公开验证、CRL、信任列表；不加载任何密钥）
cli-serve-opt-key-passphrase-file = 存放密钥库口令的文件（否则使用 YINXIN_KEY_PASSPHRASE）；verify 进程两者都不读取

cli-quickstart-about = 演示：首次运行时在 ./data 创建演示区域，打印管理员令牌，并在 127.0.0.1:8080 提供服务
cli-quickstart-example =
    yinxin quickstart
    yinxin quickstart --data-dir demo --listen 127.0.0.1:9090
cli-quickstart-opt-data-dir = 数据目录（首次运行时创建）
cli-quickstart-opt-listen = 监听地址

cli-revoke-about = 吊销证书（或以 certificateHold 冻结个人证书）
cli-revoke-example =
    yinxin revoke --data-dir data 3F2A9C01D4E5B6A7 --reason keyCompromise
    yinxin revoke --data-dir data 3F2A9C01D4E5B6A7 --reason certificateHold
cli-revoke-opt-reason = RFC 5280 吊销原因名称或代码（unspecified、keyCompromise、superseded、certificateHold……）
cli-revoke-opt-invalidity-date = 失效日期（RFC 3339）

cli-crl-about = 为某个 CA 生成并发布新的 CRL，并写入文件（DER）
cli-crl-example =
    yinxin crl --data-dir data --ca sm2-issuing --out sm2.crl
    yinxin crl --data-dir data --ca sm2-issuing --delta --out sm2-delta.crl
    yinxin crl --data-dir data --ca sm2-root --out root.crl
cli-crl-opt-ca = sm2 或 p256（签发 CA），或 CA 编号，如 sm2-root
cli-crl-opt-delta = 基于最新完整 CRL 的增量 CRL
cli-crl-opt-out = 输出文件

cli-timestamp-about = 向时间戳服务（TSA）申请文件时间戳（RFC 3161 客户端）：写出 TimeStampResp（.tsr）
cli-timestamp-example =
    yinxin timestamp --in contract.txt --out contract.tsr --hash sm3 --url http://127.0.0.1:8080/tsa
cli-timestamp-opt-input = 要加盖时间戳的文件
cli-timestamp-opt-out = 响应的写出位置（DER 格式 TimeStampResp）
cli-timestamp-opt-url = TSA 地址（默认为区域公开基础 URL 加 /tsa，取自 --data-dir）
cli-timestamp-opt-hash = 哈希算法：sha256（P-256 时间戳单元）、sha384、sha512 或 sm3（SM2 时间戳单元）
cli-timestamp-opt-data-dir = 数据目录（用于查找 TSA 地址）

cli-verify-chain-about = 验证证书路径（RFC 5280）。退出码：0 验证通过（TOTAL_PASSED），1 验证失败（TOTAL_FAILED），2 无法确定（INDETERMINATE），3 用法或输入错误。文件可为 PEM 或 DER
cli-verify-chain-example =
    yinxin verify-chain --anchor data/ca/sm2-root.pem --cert me/cert.pem --intermediate data/ca/sm2-issuing.pem --crl sm2.crl --crl root.crl
    yinxin verify-chain --anchor data/ca/sm2-root.pem --cert me/cert.pem --intermediate data/ca/sm2-issuing.pem --no-revocation --json
cli-verify-chain-opt-cert = 要验证的证书
cli-verify-chain-opt-intermediates = 候选中间证书（顺序不限）
cli-verify-chain-opt-ocsp = OCSP 响应（DER）
cli-verify-chain-opt-at = 验证时间（RFC 3339；默认为当前时间）
cli-verify-chain-opt-policies = 初始用户策略集 user-initial-policy-set（默认 anyPolicy）
cli-verify-chain-opt-explicit-policy = 要求显式策略（initial-explicit-policy）
cli-verify-chain-opt-inhibit-policy-mapping = 禁止策略映射（initial-policy-mapping-inhibit）
cli-verify-chain-opt-inhibit-any-policy = 禁止 anyPolicy（initial-any-policy-inhibit）
cli-verify-chain-opt-no-revocation = 不检查吊销状态
cli-verify-chain-opt-no-anchor-constraints = 仅将信任锚视为名称和公钥：不要求信任锚证书有效且为 CA，也不应用其约束（RFC 5937）
cli-verify-chain-opt-purpose = 证书的验证用途：seal-maker、document-signer、tsu、ocsp-signer、trust-list-signer、ca、crl-signer、client-auth、server-auth

cli-seal-about = 电子印章：制作、列出、吊销、盖章
cli-seal-example =
    yinxin seal create --data-dir data --holder 91350100M000100Y43 --type official --name 广州市数据局 --signer 3F2A9C01D4E5B6A7 --out seal.esl
    yinxin seal list --data-dir data

cli-seal-create-about = 制作印章（由区域的 SM2 制章者签名）并登记
cli-seal-create-example =
    yinxin seal create --data-dir data --holder 91350100M000100Y43 --type official --name 广州市数据局 --signer 3F2A9C01D4E5B6A7 --picture seal.png --out seal.esl
cli-seal-create-opt-holder = 持有者：统一社会信用代码（单位印章）或居民身份证号码（个人名章；仅以区域加盐哈希存储）
cli-seal-create-opt-seal-type = 印章类型（official 公章、contract 合同专用章、finance 财务专用章、invoice 发票专用章、e-licence 电子证照专用章、personal 个人名章）
cli-seal-create-opt-name = 印章上的名称
cli-seal-create-opt-signers = 允许用该印章盖章的证书序列号
cli-seal-create-opt-picture = 印章图片（PNG）；默认按类型和名称用内置字体绘制标准印模（GB 2312 汉字；另用字体时设 YINXIN_SEAL_FONT=字体文件）
cli-seal-create-opt-days = 有效天数（默认为该类型的上限）
cli-seal-create-opt-out = 同时将印章（.esl，DER）写到此处

cli-seal-list-about = 列出已登记的印章（每行一个 JSON 对象）
cli-seal-list-example =
    yinxin seal list --data-dir data --holder 91350100M000100Y43
cli-seal-list-opt-holder = 仅限此持有者

cli-seal-revoke-about = 吊销（或暂停）印章
cli-seal-revoke-example =
    yinxin seal revoke --data-dir data 440100-2026-000001
    yinxin seal revoke --data-dir data 440100-2026-000001 --suspend
cli-seal-revoke-opt-id = 印章编号（esID）
cli-seal-revoke-opt-suspend = 暂停而非吊销

cli-seal-apply-about = 为 OFD 文档（Type="Seal" 签章）或 PDF（显示印章图像的可见签名，印章的 SES_Signature 放在 CMS 中）盖章，印章位于页面 X,Y 毫米处或以关键字为中心；已有签名保持有效
cli-seal-apply-example =
    yinxin seal apply --data-dir data --seal 440100-2026-000001 --in doc.ofd --page 1 --at 120,200 --out sealed.ofd --cert signer/cert.pem --key signer/key.pem --key-passphrase-file kp.txt
    yinxin seal apply --data-dir data --seal 440100-2026-000001 --in doc.ofd --keyword 盖章 --out sealed.ofd --cert signer/cert.pem --key signer/key.pem --key-passphrase-file kp.txt
    yinxin seal apply --data-dir data --seal 440100-2026-000001 --in approval.pdf --page 1 --at 120,200 --out sealed.pdf --cert signer/cert.pem --key signer/key.pem --key-passphrase-file kp.txt --tsa http://127.0.0.1:8080/tsa
cli-seal-apply-opt-input = 要盖章的 OFD 或 PDF
cli-seal-apply-opt-out = 盖章后的 OFD 或 PDF
cli-seal-apply-opt-tsa = PDF：签名及印章 SES_Signature 时间戳所用的 RFC 3161 TSA 地址
cli-seal-apply-opt-page = 页码（从 1 开始）
cli-seal-apply-opt-at = 印章左上角位置（毫米）：X,Y
cli-seal-apply-opt-keyword = 以首个包含此文字的位置为印章中心
cli-seal-apply-opt-key-passphrase-file = 存放签名人私钥口令的文件

cli-seal-sign-about = 用印章为文件盖章：写出电子签章 SES_Signature（DER），给出 TSA 地址时附带时间戳
cli-seal-sign-example =
    yinxin seal sign --data-dir data --seal 440100-2026-000001 --in approval.pdf --out approval.sig --cert signer/cert.pem --key signer/key.pem --key-passphrase-file kp.txt --tsa http://127.0.0.1:8080/tsa
cli-seal-sign-opt-input = 要盖章的文件
cli-seal-sign-opt-out = 输出文件（.sig）
cli-seal-sign-opt-key-passphrase-file = 存放签名人私钥口令的文件
cli-seal-sign-opt-tsa = 为签名值加盖时间戳的 TSA 地址

cli-verify-about = 验证印章（.esl）、电子签章（SES_Signature）、OFD（包括电子证照）、PDF、CMS 签名或证书，自动识别类型；或用 --qr 验证电子证照的二维码。退出码同 verify-chain。默认离线：除非给出 --fetch-revocation，不联网获取任何内容
cli-verify-example =
    yinxin verify approval.sig --data approval.pdf --anchor data/ca/sm2-root.pem --chain data/ca/sm2-issuing.pem --crl sm2.crl --crl root.crl
    yinxin verify signed.ofd --anchor data/ca/sm2-root.pem --json
    yinxin verify licence.ofd --trust-list gd-trust-list.cms --trust-pin 3f1c0a5e --licence-status licence-status.cms
    yinxin verify --qr HTTPS://YZ.GD.GOV.CN/V/0123456789 --trust-list gd-trust-list.cms --trust-pin 3f1c0a5e --licence-status licence-status.cms
cli-verify-opt-file = 要验证的文件（DER 或 PEM）
cli-verify-opt-qr = 电子证照二维码的文本（网址或其中的载荷），代替文件进行验证：其签名者须是 --trust-list 中列出的二维码签名者
cli-verify-opt-licence-statuses = 签名的电子证照状态（`GET /v1/licences/{"{"}id{"}"}/status`，CMS），由证照所属区域的 --trust-pin 签名者签署：电子证照离线时只有附上其有效状态才会是 TOTAL_PASSED
cli-verify-opt-data = 原文数据（用于验证签章）
cli-verify-opt-intermediates = 中间证书；`--chain 文件` 接受 PEM 证书包（其中每张证书，如从 `/ca/{"{"}id{"}"}.pem` 获取的签发 CA）
cli-verify-opt-no-revocation = 接受缺少吊销信息
cli-verify-opt-trust-lists = 互认区域的签名信任列表（`GET /v1/trust-list`）：其中列出的根 CA 作为信任锚，按服务状态历史判定
cli-verify-opt-trust-pins = 允许签署这些列表的证书的 SHA-256（十六进制）
cli-verify-opt-seal-makers = 认可为制章者的证书（PEM 或 DER），即使它没有本区域的制章扩展密钥用法（如其他厂商的制章者）
cli-verify-opt-purpose = 验证单张证书时：验证用途（见 verify-chain --purpose）
cli-verify-opt-no-anchor-constraints = 验证单张证书时：仅将信任锚视为名称和公钥（见 verify-chain --no-anchor-constraints）
cli-verify-opt-seal-statuses = 签名的印章状态（`GET /v1/seals/{"{"}id{"}"}/status`，CMS）：信任锚所属区域的印章，离线时只有附上其有效状态才会是 TOTAL_PASSED
cli-verify-opt-fetch-revocation = 联网获取：从证书的 caIssuers URL 取得缺失的中间证书，为每条路径上的每张证书取得 OCSP（否则取 CRL 和增量 CRL），并取得信任锚所属区域印章的签名状态——只从允许的基础 URL 之下获取（--allow-url、--trust-list 的服务地址、--data-dir 区域的公开基础 URL）；不连接其他 URL，报告列出已获取和未获取的内容及原因。不带此选项时不联网获取任何内容
cli-verify-opt-allow-urls = 与 --fetch-revocation 同用：允许获取的 http:// 基础 URL（例如 `http://127.0.0.1:8080/`）
cli-verify-opt-data-dir = 与 --fetch-revocation 同用：某区域的数据目录，可从其公开基础 URL（yinxin.toml）获取

cli-sign-about = 用分离式 CMS 签名（.p7s）签署任意文件：SM2（依 GB/T 35275）或 P-256
cli-sign-example =
    yinxin sign --in report.xlsx --out report.xlsx.p7s --cert signer/cert.pem --key signer/key.pem --key-passphrase-file kp.txt --chain data/ca/sm2-issuing.pem
    yinxin sign --ofd --in sealed.ofd --out signed.ofd --cert signer/cert.pem --key signer/key.pem --key-passphrase-file kp.txt --tsa http://127.0.0.1:8080/tsa
    yinxin sign --pdf --level B-LTA --data-dir data --in approval.pdf --out signed.pdf --cert signer/cert.pem --key signer/key.pem --key-passphrase-file kp.txt --tsa http://127.0.0.1:8080/tsa
cli-sign-opt-key-passphrase-file = 存放签名人私钥口令的文件
cli-sign-opt-chain = 要包含的证书链（签发 CA……）
cli-sign-opt-input = 要签名的文件
cli-sign-opt-out = 签名文件（.p7s，DER），或配合 `--ofd` 时为签名后的 OFD
cli-sign-opt-ofd = 输入为 OFD：在文档包内添加 Type="Sign" 签名（对 Signature.xml 的 CMS 签名），而不是写出分离式 .p7s
cli-sign-opt-tsa = RFC 3161 TSA 地址：添加签名时间戳（非签名属性）；TSA 未返回时间戳令牌时签名失败
cli-sign-opt-pdf = 输入为 PDF（也可由 %PDF- 文件头识别）：以增量更新添加签名，P-256 密钥用 PAdES，SM2 密钥用国内厂商的 SM2 格式
cli-sign-opt-level = PDF：PAdES 级别，B-B、B-T（需 --tsa，此时为默认）、B-LT 或 B-LTA（还需 --data-dir）
cli-sign-opt-data-dir = PDF 为 B-LT 或 B-LTA 时：本区数据目录，其 CA 证书和最新 CRL 写入 DSS
cli-sign-opt-certify = PDF：认证签名（DocMDP），规定之后只允许 no-changes（不得修改）、form-fill（填写表单）或 annotations（添加注释）；只能是文档的第一个签名

cli-extend-about = 扩展已签名的 PDF：B-LT 添加 DSS（签名和时间戳所带每张证书对应的本区 CA 证书和最新 CRL），B-LTA 再加一个来自 --tsa 的文档时间戳
cli-extend-example =
    yinxin extend --data-dir data --in signed.pdf --out archived.pdf --level B-LTA --tsa http://127.0.0.1:8080/tsa
cli-extend-opt-input = 已签名的 PDF
cli-extend-opt-out = 扩展后的 PDF
cli-extend-opt-level = B-LT 或 B-LTA
cli-extend-opt-tsa = 文档时间戳（B-LTA）所用的 RFC 3161 TSA 地址

cli-ofd-about = OFD 文档：用几行文字生成一个简单文档（用于试用盖章和签名）
cli-ofd-example =
    yinxin ofd create --out doc.ofd --text 关于同意开展数据共享的批复 --text 经研究，同意。（盖章）
cli-ofd-create-about = 写出一页 A4 的 OFD，内容为给定的几行文字（第一行为标题）
cli-ofd-create-example =
    yinxin ofd create --out doc.ofd --text 关于同意开展数据共享的批复 --text 经研究，同意。（盖章）
cli-ofd-create-opt-lines = 一行文字（可重复给出多行；第一行为标题）
cli-ofd-create-opt-font = 文字声明使用的字体名（不嵌入，阅读器按名称替换）
cli-ofd-create-opt-out = 要写出的 OFD 文件（不得已存在）

cli-licence-about = 电子证照：签发、变更、暂停、恢复、注销、查看、批量导入；校验证照标识、列出证照类型
cli-licence-example =
    yinxin licence check-id 1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.U
cli-licence-check-id-about = 校验电子证照标识（GB/T 36904）：各组成部分及校验位
cli-licence-check-id-example =
    yinxin licence check-id 1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.U
cli-licence-check-id-opt-id = 证照标识，例如 1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.U
cli-licence-kinds-about = 列出证照类型（内置类型及某目录中的类型）
cli-licence-kinds-example =
    yinxin licence kinds --dir policies/licences
cli-licence-kinds-opt-dir = 证照类型文件（*.toml）所在目录，其中的类型增补并替换内置类型

cli-opt-agency = 发证机构的统一社会信用代码（机构只能管理自己签发的证照）

cli-licence-issue-about = 签发电子证照：按证照类型校验字段值，生成照面，加盖机构的电子证照专用章（由本区域 TSA 加盖时间戳），入库，并写出已签章的 OFD
cli-licence-issue-example =
    yinxin licence issue --data-dir data --kind business-licence --agency 11440100MB2C12345P --cert 3F2A9C01D4E5B6A7 --values company.json --external-key REG-2026-0001 --out licence.ofd
cli-licence-issue-opt-kind = 证照类型键（见 `yinxin licence kinds`）
cli-licence-issue-opt-cert = 机构证书的序列号：其私钥在密钥库中（yinxin token create --cert --key 导入），且机构有效的电子证照专用章列有该证书
cli-licence-issue-opt-values = 字段值 JSON 文件：字段键到文本的对象（图片用 base64）
cli-licence-issue-opt-external-key = 本证照的业务键（1 至 128 个字符）：以同一键再次签发时返回已签发的证照
cli-licence-issue-opt-out = 已签章 OFD 的输出文件（不得已存在）

cli-licence-change-about = 变更证照：以新字段值生成新版本，旧版本变为已被替代
cli-licence-change-example =
    yinxin licence change --data-dir data --agency 11440100MB2C12345P 1.2.156.3005.2.11100000000013338W011.11440100MB2C12345P.0000000001.001.X --values company-v2.json --cert 3F2A9C01D4E5B6A7 --out licence-v2.ofd
cli-licence-change-opt-id = 要变更的版本的证照标识
cli-licence-change-opt-values = 新版本字段值的 JSON 文件（全部字段，而非仅变更的字段）
cli-licence-change-opt-cert = 为新版本签章的机构证书序列号（同 issue）
cli-licence-change-opt-out = 新版本已签章 OFD 的输出文件（不得已存在）

cli-licence-suspend-about = 暂停证照（须说明原因）；`resume` 恢复其效力
cli-licence-suspend-example =
    yinxin licence suspend --data-dir data --agency 11440100MB2C12345P 1.2.156.3005.2.11100000000013338W011.11440100MB2C12345P.0000000001.001.X --reason 责令停业整顿
cli-licence-suspend-opt-id = 证照标识
cli-licence-suspend-opt-reason = 原因（暂停或注销时必填；随证照及其事件保存）

cli-licence-resume-about = 恢复已暂停的证照
cli-licence-resume-example =
    yinxin licence resume --data-dir data --agency 11440100MB2C12345P 1.2.156.3005.2.11100000000013338W011.11440100MB2C12345P.0000000001.001.X
cli-licence-resume-opt-id = 证照标识
cli-licence-resume-opt-reason = 原因（暂停或注销时必填；随证照及其事件保存）

cli-licence-revoke-about = 注销/废止证照（须说明原因）：不可恢复
cli-licence-revoke-example =
    yinxin licence revoke --data-dir data --agency 11440100MB2C12345P 1.2.156.3005.2.11100000000013338W011.11440100MB2C12345P.0000000001.001.X --reason 企业申请注销
cli-licence-revoke-opt-id = 证照标识
cli-licence-revoke-opt-reason = 原因（暂停或注销时必填；随证照及其事件保存）

cli-licence-show-about = 查看本机构的一份证照：记录、字段（敏感字段打码）及事件
cli-licence-show-example =
    yinxin licence show --data-dir data --agency 11440100MB2C12345P 1.2.156.3005.2.11100000000013338W011.11440100MB2C12345P.0000000001.001.X
cli-licence-show-opt-id = 证照标识
cli-licence-show-opt-unmasked = 完整显示敏感字段（身份证号码等），不打码

cli-licence-document-about = 将证照已签章的 OFD（签发时的原件）写入文件
cli-licence-document-example =
    yinxin licence document --data-dir data 1.2.156.3005.2.11100000000013338W011.11440100MB2C12345P.0000000001.001.X --out licence.ofd
cli-licence-document-opt-id = 证照标识
cli-licence-document-opt-out = 已签章 OFD 的输出文件（不得已存在）

cli-licence-import-about = 从 CSV（首行为字段键）或 JSON Lines 文件批量签发证照；可续传：已签发的行（按业务键）跳过
cli-licence-import-example =
    yinxin licence import --data-dir data --kind business-licence --agency 11440100MB2C12345P --cert 3F2A9C01D4E5B6A7 companies.csv
    yinxin licence import --data-dir data --kind business-licence --agency 11440100MB2C12345P --cert 3F2A9C01D4E5B6A7 companies.jsonl --key-column credit_code --errors failed.jsonl
cli-licence-import-opt-kind = 证照类型键（见 `yinxin licence kinds`）
cli-licence-import-opt-cert = 为这些证照签章的机构证书序列号（同 issue）
cli-licence-import-opt-file = 数据行：CSV 文件（.csv，首行为字段键），或 JSON Lines（.jsonl，每行一个字段值对象）
cli-licence-import-opt-errors = 失败行的说明文件，每行一个 JSON 对象（默认：FILE.errors.jsonl）；每次运行重写
cli-licence-import-opt-key-column = 存放每行业务键的列（或 JSON 字段）（默认：有 external_key 列时用之，否则用文件名和行号）
cli-licence-import-opt-workers = 同时签发的行数（并行渲染、签章和存储；默认 0：每个 CPU 核一个）

cli-backup-about = 备份本区域（数据库快照、配置、密钥库、文档）为一个由本区域时间戳服务签名的文件，可选加密
cli-backup-example =
    yinxin backup --data-dir data --out region-2026-12-06.yxbak --backup-passphrase-file backup-pass.txt
cli-backup-opt-out = 要写入的备份文件（已存在则拒绝）
cli-backup-opt-backup-passphrase-file = 用此文件中的口令加密备份（AES-256-GCM，PBKDF2）
cli-restore-about = 校验备份的签名和每个文件的哈希后，将其恢复到新的数据目录
cli-restore-example =
    yinxin restore --in region-2026-12-06.yxbak --data-dir data-restored --backup-passphrase-file backup-pass.txt --root-fingerprint 5d41402abc4b2a76b9719d911017c592…
    yinxin restore --in region-pg.yxbak --data-dir data-restored --database-url postgres://yinxin@db/yinxin_restored
cli-restore-opt-input = 备份文件
cli-restore-opt-data-dir = 新的数据目录（须不存在或为空）
cli-restore-opt-database-url = PostgreSQL 备份：要恢复到的空数据库（postgres://…）
cli-restore-opt-backup-passphrase-file = 加密备份的口令所在的文件
cli-restore-opt-root-fingerprint = 备份必须由其签名的本区域根 CA 证书的 SHA-256 指纹
cli-audit-about = 防篡改审计日志：校验，或将当前链头固定为检查点
cli-audit-example =
    yinxin audit verify --data-dir data
    yinxin audit checkpoint --data-dir data --key-passphrase-file pass.txt
cli-audit-verify-about = 校验审计日志：每行与前一行的链接、链头、每个检查点及其时间戳；指出被修改、删除或调换顺序的行
cli-audit-verify-example =
    yinxin audit verify --data-dir data
cli-audit-checkpoint-about = 立即将审计日志的链头固定为由本区域时间戳服务加盖时间戳的检查点
cli-audit-checkpoint-example =
    yinxin audit checkpoint --data-dir data --key-passphrase-file pass.txt
cli-ca-about = CA 生命周期：签发 CA 更新密钥、根 CA 轮换
cli-ca-example =
    yinxin ca renew-issuing --data-dir data --algorithm p256 --key-passphrase-file pass.txt
    yinxin ca renew-root --data-dir data --algorithm sm2 --key-passphrase-file pass.txt
cli-ca-renew-issuing-about = 在当前根 CA 下以新密钥更新签发 CA；旧 CA 在到期前继续签发其 CRL 并应答 OCSP
cli-ca-renew-issuing-example =
    yinxin ca renew-issuing --data-dir data --algorithm p256 --key-passphrase-file pass.txt
cli-ca-renew-issuing-opt-algorithm = sm2 或 p256
cli-ca-renew-root-about = 将根 CA 轮换到新密钥，并签发双向链接证书（新钥由旧钥签、旧钥由新钥签）
cli-ca-renew-root-example =
    yinxin ca renew-root --data-dir data --algorithm sm2 --key-passphrase-file pass.txt
cli-ca-renew-root-opt-algorithm = sm2 或 p256
cli-token-about = 操作员令牌
cli-token-example =
    yinxin token create --data-dir data --role admin
    yinxin token revoke --data-dir data 7c1e2f3a4b5d6e7f

cli-token-create-about = 创建令牌；密钥只打印一次，仅以哈希形式存储
cli-token-create-example =
    yinxin token create --data-dir data --role registrar --org 91350100M000100Y43 --expires 30
    yinxin token create --data-dir data --role signer --cert 3F2A9C01D4E5B6A7 --key signer/key.pem --key-passphrase-file kp.txt
cli-token-create-opt-role = admin（管理员）、registrar（注册员）、auditor（审计员）、seal-admin（印章管理员）、signer（签名人）、region-peer（互认区域）、licence-issuer（证照签发员）、registration-authority（登记机关）或 relying-agency（用证机构）
cli-token-create-opt-org = 将注册员、印章管理员或证照签发员绑定到单位（统一社会信用代码）
cli-token-create-opt-cert = 签名人和证照签发员令牌：其签名或盖章所用证书的序列号
cli-token-create-opt-key = 签名人和证照签发员令牌：该证书的私钥（加密的 PKCS#8 PEM），导入密钥库用于服务端盖章（云签章）
cli-token-create-opt-key-passphrase-file = 存放 --key 口令的文件
cli-token-create-opt-ca-passphrase-file = 存放密钥库口令的文件（否则使用 YINXIN_KEY_PASSPHRASE），用于 --key
cli-token-create-opt-expires = 有效天数

cli-token-revoke-about = 按编号吊销令牌
cli-token-revoke-example =
    yinxin token revoke --data-dir data 7c1e2f3a4b5d6e7f
cli-token-revoke-opt-id = 令牌编号

cli-cross-certify-about = 为对等区域的根 CA 签发交叉证书（桥接模式）：由本区域根 CA 签给对方根 CA，含策略映射和可选的名称约束
cli-cross-certify-example =
    yinxin cross-certify --data-dir data --peer-root peer-root.pem --policy-map 1.3.6.1.4.1.32473.1.1.2=1.3.6.1.4.1.32473.9.1.2 --name-constraints permitted:dns:.example.gov.cn --out cross.pem
cli-cross-certify-opt-peer-root = 对等区域的根 CA 证书（PEM 或 DER）
cli-cross-certify-opt-algorithm = 由本区域哪个根 CA 签发：sm2 或 p256（默认与对方根 CA 密钥算法相同）
cli-cross-certify-opt-policy-map = 本方=对方：本区域的策略 OID 及对方的对应 OID（可重复；至少一项）
cli-cross-certify-opt-name-constraints = permitted|excluded:类型:值，类型为 dirName（C=CN,O=…，按 DN 顺序）、dns、email、uri 或 ip（CIDR），如 permitted:dirName:C=CN,O=Region Y 或 excluded:dns:.example（可重复）
cli-cross-certify-opt-require-explicit-policy = 添加策略约束 requireExplicitPolicy=0：经过该交叉证书的每条路径都必须对某个已映射的策略有效
cli-cross-certify-opt-days = 有效天数（默认 5 年；不超过任一根 CA 的到期时间）
cli-cross-certify-opt-out = 交叉证书（PEM）的写出位置；同时保存在 DATA_DIR/ca 中

cli-monitor-about = 跟踪一个已互认区域的透明日志：核验其只增不改，列出新追加的记录（按持有者或名称），并标出日志中有而该区域登记库已不认的印章
cli-monitor-example =
    yinxin monitor --data-dir data --region fj --holder 91350100M000100Y43
cli-monitor-opt-region = 要跟踪其日志的已互认区域
cli-monitor-opt-log-url = 从此 URL（镜像）读取日志，而非该区域信任列表公布的地址
cli-monitor-opt-state = 状态文件（默认：DATA_DIR/monitor/<区域>.json）
cli-monitor-opt-holder = 只列出该持有者的记录（统一社会信用代码，或自然人的持有者散列）
cli-monitor-opt-name = 只列出名称包含此文字的记录
cli-monitor-opt-no-registry-check = 不向该区域登记库查询新印章

cli-trust-list-about = 区域的签名信任列表（互认）：发布、撤销服务、显示
cli-trust-list-example =
    yinxin trust-list publish --data-dir data
    yinxin trust-list show --data-dir data --out list.cms

cli-trust-list-publish-about = 签署并发布下一版本（区域服务有任何变化后执行）
cli-trust-list-publish-example =
    yinxin trust-list publish --data-dir data --key-passphrase-file pass.txt
cli-trust-list-publish-opt-key-passphrase-file = 存放密钥库口令的文件（默认使用 YINXIN_KEY_PASSPHRASE）

cli-trust-list-withdraw-about = 撤销一项信任服务（如 `sm2-seal-maker`）并发布新版本
cli-trust-list-withdraw-example =
    yinxin trust-list withdraw --data-dir data --service sm2-seal-maker
cli-trust-list-withdraw-opt-service = 列表中的服务编号
cli-trust-list-withdraw-opt-key-passphrase-file = 存放密钥库口令的文件（默认使用 YINXIN_KEY_PASSPHRASE）

cli-trust-list-show-about = 打印最新发布的列表及其签名者的 SHA-256 指纹（JSON）
cli-trust-list-show-example =
    yinxin trust-list show --data-dir data
    yinxin trust-list show --data-dir data --out list.cms --alg p256
cli-trust-list-show-opt-out = 将签名列表（CMS DER）写到此处
cli-trust-list-show-opt-alg = `--out` 写出哪个签名副本：sm2（默认）或 p256

cli-list-about = 列出证书（每行一个 JSON 对象）
cli-list-example =
    yinxin list --data-dir data --profile organization --status valid --limit 50
cli-list-opt-profile = 仅限此证书模板
cli-list-opt-status = 仅限此状态（valid 有效、revoked 已吊销、hold 已冻结）
cli-list-opt-after = 此序列号之后的证书（分页游标）
cli-list-opt-limit = 最多返回的数量（1–1000）

cli-enterprise-about = 企业（同步发放）：一步为新设企业签发证书、公章和营业执照
cli-enterprise-example =
    yinxin enterprise register --data-dir data --authority-cert 3F2A9C01D4E5B6A7 --registration company.json --key-passphrase-file company-pass.txt --external-key REG-2026-0002 --out company
cli-enterprise-register-about = 登记新设企业（同步发放）：签发其机构证书、列有该证书的公章和营业执照，三者全成或全不成；写入 --out 目录
cli-enterprise-register-example =
    yinxin enterprise register --data-dir data --authority-cert 3F2A9C01D4E5B6A7 --registration company.json --key-passphrase-file company-pass.txt --external-key REG-2026-0002 --out company
    yinxin enterprise register --data-dir data --authority-cert 3F2A9C01D4E5B6A7 --registration company.json --csr company.csr --algorithm p256 --out company
cli-enterprise-register-opt-authority-cert = 登记机关证书的序列号：其私钥在密钥库中，且登记机关有效的电子证照专用章列有该证书
cli-enterprise-register-opt-registration = 营业执照字段值的 JSON 文件（name、credit_code 等）
cli-enterprise-register-opt-key-passphrase-file = 保护所生成私钥的口令文件（私钥加密写入 key.pem）
cli-enterprise-register-opt-csr = 企业的证书请求（PEM），代替生成私钥
cli-enterprise-register-opt-algorithm = 密钥算法：sm2 或 p256
cli-enterprise-register-opt-seal-name = 公章上的名称（默认：企业名称）
cli-enterprise-register-opt-external-key = 本次登记的业务键（1 至 128 个字符）：以同一键再次登记时返回同样的三件
cli-enterprise-register-opt-ca-passphrase-file = 密钥库口令文件（否则取 YINXIN_KEY_PASSPHRASE）
cli-enterprise-register-opt-out = 写入 cert.pem、chain.pem、key.pem、licence.ofd 和 seal.esl 的目录

# 公众验证页面（src/web）
web-title = 验证印章、签名或电子证照
web-brand = 印信 · 验证
web-skip = 跳到正文
web-language = 语言
web-heading = 这份文件是真的吗？
web-lead = 验证盖章或签名的文件（OFD）、电子证照、印章、签名或证书，或扫描证照上的二维码。上传的文件不会被保存。
web-footer = 验证结果只陈述已执行的检查所证明的内容。文件验证后即丢弃。
web-error = 无法验证此请求
web-form-heading = 验证
web-form-file = 文件、印章、签名或证书
web-form-file-hint = 盖章或签名的 OFD 文件、电子证照（.ofd）、印章（.esl）、签名（.p7s、SES 签章）或证书（.cer、.pem）。
web-form-data-summary = 分离式签名（.p7s）？请同时添加原文件
web-form-data = 原文件
web-form-data-hint = .p7s 签名所签的原始文件。
web-form-or = 或者验证证照上的二维码：
web-form-qr = 二维码内容
web-form-qr-hint = 粘贴扫码得到的内容（以 HTTP…/V/ 开头的地址）。
web-form-photo = 二维码照片
web-form-photo-hint = PNG 或 JPEG 图片，二维码清晰完整。
web-form-camera = 用摄像头扫码
web-form-scanning = 请将二维码对准摄像头……
web-form-submit = 验证
web-verdict-valid = 有效
web-verdict-invalid = 无效
web-verdict-undecided = 无法确定
web-headline-valid = 此{ $what }真实有效：所有检查均已通过。
web-headline-invalid = 此{ $what }无效：请勿采信。
web-headline-undecided = 依据现有信息，无法确定此{ $what }是否有效。
web-what-licence = 电子证照
web-what-licence-qr = 电子证照二维码
web-what-certificate = 证书
web-what-ofd = 文件
web-what-seal = 印章
web-what-signature = 签名
web-what-object = 文件
web-why = 原因
web-file-changed = 文件 { $file } 在盖章后被修改、添加或未受保护
web-signers = 盖章或签名方
web-warnings = 请注意
web-status = 状态：
web-status-active = 有效
web-status-suspended = 已中止
web-status-revoked = 已注销
web-status-superseded = 已变更（有新版本）
web-status-expired = 已过期
web-status-unknown = 未知
web-current-version = 查看当前版本
web-identifier = 证照标识
web-version = 版本
web-holder = 持证主体
web-valid-to = 有效期至
web-organization = 单位
web-seal-name = 印章
web-seal-picture = 印章：{ $name }
web-time = 时间（北京时间）
web-time-proven = 由时间戳证明
web-time-claimed = 仅为签署方声明，未经证明
web-this-signature = 此签章
web-steps = 全部检查
web-step-part = 部分
web-step-name = 检查
web-step-outcome = 结果
web-step-detail = 详情
web-report-json = 验证报告（JSON）
web-download-json = 下载验证报告（JSON）
web-print = 打印验证报告
web-error-nothing = 请选择文件、粘贴二维码内容或添加二维码照片。
web-error-too-many = 每次只验证一项：文件、二维码内容或二维码照片。
web-error-too-large = 上传的内容过大。
web-error-photo = 照片中无法识别二维码：请重新拍摄，确保二维码清晰完整。
web-error-form = 无法读取表单。
web-error-cross-site = 此表单只能从本站页面提交。
web-error-busy = 当前验证请求过多，请稍后再试。
web-licence-status-heading = 证照状态
web-licence-not-found = 本地区未登记此标识的证照。

# holders (持证人)
web-holder-title = 持证人登录
web-holder-signin-lead = 通过本地区统一身份认证登录，查看您持有的证照和证书、亮证，并授权机构用证。
web-holder-signin = 登录
web-holder-not-configured = 本服务器尚未配置登录。
web-holder-mine = 我的证照
web-holder-greeting = 已登录：{ $name }
web-holder-signout = 退出登录
web-holder-code-heading = 授权码
web-holder-code-hint = 请将此授权码交给用证机构。授权码仅显示这一次；您可随时在下方撤回授权。
web-holder-certificates = 我的数字证书
web-holder-none = 无。
web-holder-serial = 序列号
web-holder-profile = 类型
web-holder-status = 状态
web-holder-not-after = 有效期至
web-holder-history = 用证记录
web-holder-at = 时间
web-holder-event = 事件
web-holder-licence = 证照
web-holder-agency = 机构
web-holder-detail = 详情
web-holder-licences = 证照
web-holder-number = 证照编号
web-holder-issuer = 颁发机构
web-holder-valid-to = 有效期至
web-holder-identifier = 证照标识
web-holder-show = 亮证
web-holder-grant = 授权机构使用此证照
web-holder-grant-agency = 机构统一社会信用代码
web-holder-grant-item = 事项名称
web-holder-grant-case = 办件编号
web-holder-grant-days = 有效天数
web-holder-grant-uses = 可用次数
web-holder-grant-unmask = 允许机构查看未脱敏的敏感信息
web-holder-grant-submit = 确认授权
web-holder-grants = 我的授权
web-holder-purpose = 事项 / 办件
web-holder-until = 截止
web-holder-uses = 已用
web-holder-state = 状态
web-holder-withdrawn = 已撤回
web-holder-open = 有效
web-holder-closed = 已结束
web-holder-withdraw = 撤回
web-holder-show-qr-alt = 持证人亮证的动态二维码
web-holder-show-until = 亮证时间 { $at }；此码有效至 { $until }，到期自动刷新。
web-holder-back = 返回我的证照
web-holder-event-sign-in = 登录
web-holder-event-show = 亮证
web-holder-event-grant = 授权
web-holder-event-withdraw = 撤回授权
web-holder-event-exchange = 机构用证
web-holder-event-exchange-refused = 机构用证被拒
web-holder-event-duty-lookup = 依职能查验
problem-holder-sign-in-required = 需要持证人登录
problem-csrf = 表单不属于本次会话
problem-holders-not-configured = 未配置持证人登录
problem-identity-provider = 身份认证服务不可用
problem-sign-in-failed = 登录失败
problem-invalid-grant = 授权内容不可接受
problem-grant-refused = 授权码被拒绝
problem-no-legal-basis = 无依职能查验的法定依据
web-holder-renew = 立即更新二维码
web-shown-by-holder = 持证人于 { $at } 亮证（动态二维码，数分钟内有效）。
web-holder-event-sign-out = 退出登录
