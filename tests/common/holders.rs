//! A region serving the holders' side against a real OpenID provider (`super::oidc`): the
//! provider on loopback with three accounts (a person, a company, one without an identity
//! claim), the server configured for it (`[holders]`, a lookup by duty), its clock movable
//! through `YINXIN_TEST_CLOCK_FILE`, an issuing agency's token.

use super::http::{Server, post_json};
use super::oidc::Provider;
use serde_json::json;
use std::path::PathBuf;

pub const ISSUER_AGENCY: &str = "11440100MB2C12345P";
/// The agency a holder consents to.
pub const RELYING: &str = "11440100MB2C00010X";
/// Another agency.
pub const OTHER: &str = "91350100M000100Y43";
/// An agency with a legal basis for lookups by duty.
pub const DUTY: &str = "11440100MB2C00020Y";
pub const PERSON_ID: &str = "11010519491231002X";
pub const COMPANY: &str = "91440101MA5CJMYA97";
pub const LEGAL_BASIS: &str = "《市场主体登记管理条例》第三十五条";
const SECRET: &str = "test-client-secret-0123456789";

pub struct HolderEnv {
    pub tmp: tempfile::TempDir,
    pub data: PathBuf,
    pub base: String,
    /// Seconds written here are added to the server's clock.
    pub clock: PathBuf,
    pub issuer_token: String,
    pub server: Server,
    pub idp: Provider,
}

impl HolderEnv {
    /// None (after a skip line) when node or oidc-provider is missing.
    pub fn start() -> Option<HolderEnv> {
        Self::start_on(None)
    }

    /// [`HolderEnv::start`] with the region's database at `db` (a PostgreSQL URL), else SQLite.
    pub fn start_on(db: Option<&str>) -> Option<HolderEnv> {
        let tmp = tempfile::tempdir().unwrap();
        let data = tmp.path().join("data");
        let work = tmp.path().join("work");
        std::fs::create_dir_all(&work).unwrap();
        super::init_region(&data, db);
        let port = super::free_port();
        let base = format!("http://127.0.0.1:{port}");
        let accounts = json!({
            "wang": {"name": "王小明", "id_number": PERSON_ID},
            "corp": {"name": "广州示例科技有限公司", "id_number": COMPANY},
            "nobody": {"name": "无名"}
        });
        let idp = Provider::start(
            "yinxin",
            SECRET,
            &format!("{base}/holder/callback"),
            &accounts.to_string(),
        )?;
        let config = data.join("yinxin.toml");
        let mut text = std::fs::read_to_string(&config).unwrap();
        text.push_str(&format!(
            "\n[holders]\nshow_qr_seconds = 300\n[holders.oidc]\nissuer = \"{}\"\nclient_id = \"yinxin\"\n\
             [[holders.duty_lookup]]\nrole = \"relying-agency\"\nlegal_basis = \"{LEGAL_BASIS}\"\nagencies = [\"{DUTY}\"]\n",
            idp.issuer
        ));
        std::fs::write(&config, text).unwrap();
        let clock = tmp.path().join("clock");
        std::fs::write(&clock, "0").unwrap();
        let issuer_token = super::licence::agency(
            &data,
            &work,
            "广州市市场监督管理局",
            ISSUER_AGENCY,
            "agency",
        );
        let clock_s = clock.to_string_lossy().to_string();
        let server = Server::start_at(
            &data,
            &format!("127.0.0.1:{port}"),
            &[
                ("YINXIN_PUBLIC_BASE_URL", base.as_str()),
                ("YINXIN_OIDC_CLIENT_SECRET", SECRET),
                ("YINXIN_TEST_CLOCK_FILE", clock_s.as_str()),
            ],
        );
        assert_eq!(server.base, base);
        Some(HolderEnv {
            tmp,
            data,
            base,
            clock,
            issuer_token,
            server,
            idp,
        })
    }

    /// Issue a licence of `kind` with the test values; its identifier.
    pub async fn issue(&self, kind: &str) -> String {
        let r = post_json(
            &format!("{}/v1/licences", self.base),
            Some(&self.issuer_token),
            &json!({"kind": kind, "values": super::licence::values(kind)}),
        )
        .await;
        assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
        r.json()["identifier"].as_str().unwrap().to_string()
    }
}
