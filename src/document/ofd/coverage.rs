//! What the signatures of a package protect (no default pass).
//!
//! Every signature must protect, by a Reference, the document root of its `DocBody`
//! (`Doc_0/Document.xml`) and the content of every page that root lists (`Page BaseLoc`):
//! a signature that leaves one of them out is FAILED by the caller, naming it.
//!
//! Every other file of the package should be protected by some signature. Those no signature
//! protects are reported as unprotected parts with what they are for the document (page
//! template, resource, annotation, attachment …, or a file the document does not name at all:
//! added after signing?) and a warning, without changing any signature's outcome: real vendors
//! leave parts such as `OFD.xml` unreferenced. The signature machinery is not listed: the
//! `Signatures.xml` lists (a later signer changes them) and each signature's own
//! `Signature.xml`, signed value and seal file (a signature cannot hash itself; the last one's
//! files are protected by nothing else).
//!
//! The structure is read from the parts as they are now, bounded: at most
//! [`MAX_STRUCTURE_PARTS`] XML parts, each within the XML limits.

use super::budget::{Deadline, Stopped};
use super::package::resolve_path;
use super::xml::{Element, parse_xml};
use super::{MAX_STRUCTURE_PARTS, Package};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Role of the document root.
pub const ROOT: &str = "document root";
/// Role of a page's content.
pub const PAGE: &str = "page content";
/// Role of a page template.
pub const TEMPLATE: &str = "page template";
/// Role of a resource list (`PublicRes.xml`, `DocumentRes.xml`).
pub const RESOURCES: &str = "resource list";
/// Role of a file a resource list names (image, font …).
pub const RESOURCE_FILE: &str = "resource file (image, font …)";
/// Role of the annotation list.
pub const ANNOTATIONS: &str = "annotation list";
/// Role of a page's annotations.
pub const ANNOTATION: &str = "annotations of a page";
/// Role of the attachment list.
pub const ATTACHMENTS: &str = "attachment list";
/// Role of an attachment.
pub const ATTACHMENT: &str = "attachment";
/// Role of custom tags (list, tag files, schemas).
pub const CUSTOM_TAGS: &str = "custom tags";
/// Role of the extensions list.
pub const EXTENSIONS: &str = "extensions";
/// Role of `OFD.xml`.
pub const METADATA: &str = "document metadata (OFD.xml: DocInfo, CustomData)";
/// Role of a file the document's structure does not name.
pub const UNKNOWN: &str = "file the document does not name (added after signing?)";

/// A file of the package that no signature protects.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct UnprotectedPart {
    /// Package path.
    pub file: String,
    /// What it is for the document (one of the role constants of this module).
    pub role: String,
}

/// What a signature listed in one `DocBody` must protect.
#[derive(Clone, Debug)]
pub(super) struct Required {
    /// The document root.
    pub(super) root: String,
    /// Every page's content, in order.
    pub(super) pages: Vec<String>,
}

/// One `DocBody` of `OFD.xml`.
#[derive(Clone, Debug)]
pub(super) struct Doc {
    /// Its `Signatures.xml`, resolved.
    pub(super) signatures_xml: Option<String>,
    /// Root and pages, or why they cannot be known.
    pub(super) required: Result<Required, String>,
}

/// The structure of a package's documents as far as coverage needs it.
#[derive(Clone, Debug, Default)]
pub(super) struct Structure {
    pub(super) docs: Vec<Doc>,
    roles: BTreeMap<String, &'static str>,
    pub(super) tolerated: Vec<String>,
}

/// Finds files named in parts: exact, else root-relative, else ignoring case (tolerated).
struct Finder<'p> {
    pkg: &'p Package,
    lower: HashMap<String, Vec<&'p str>>,
}

impl<'p> Finder<'p> {
    fn new(pkg: &'p Package) -> Self {
        let mut lower: HashMap<String, Vec<&'p str>> = HashMap::new();
        for n in pkg.names() {
            lower.entry(n.to_lowercase()).or_default().push(n);
        }
        Finder { pkg, lower }
    }

    /// The package path `path` (written in `base`) names: `Ok` if present, else `Err` with
    /// the path as resolved (or as written, if it leaves the package).
    fn find(&self, base: &str, path: &str, tolerated: &mut Vec<String>) -> Result<String, String> {
        let resolved = resolve_path(base, path);
        if let Some(p) = &resolved
            && self.pkg.get(p).is_some()
        {
            return Ok(p.clone());
        }
        if !path.trim().starts_with('/')
            && let Some(p) = resolve_path("", path)
            && self.pkg.get(&p).is_some()
        {
            tolerated.push(format!(
                "{path:?} in {base} is relative to the package root, not to its folder"
            ));
            return Ok(p);
        }
        if let Some(p) = &resolved
            && let Some([only]) = self.lower.get(&p.to_lowercase()).map(Vec::as_slice)
        {
            tolerated.push(format!(
                "{path:?} in {base} names {only} only when case is ignored"
            ));
            return Ok((*only).to_string());
        }
        Err(resolved.unwrap_or_else(|| path.trim().to_string()))
    }
}

fn texts<'e>(el: &'e Element, name: &'e str) -> impl Iterator<Item = String> + 'e {
    el.children_named(name)
        .map(|c| c.text.trim().to_string())
        .filter(|t| !t.is_empty())
}

impl Structure {
    /// Read the structure of every `DocBody` (bounded; checks `deadline` per part read).
    pub(super) fn read(pkg: &Package, deadline: &Deadline) -> Result<Structure, Stopped> {
        let mut s = Structure::default();
        let finder = Finder::new(pkg);
        let mut budget = MAX_STRUCTURE_PARTS;
        let Some((ofd, _)) = pkg
            .get("OFD.xml")
            .and_then(|b| parse_xml("OFD.xml", b).ok())
        else {
            return Ok(s);
        };
        s.roles.insert("OFD.xml".into(), METADATA);
        let mut t = Vec::new();
        for (i, body) in ofd.children_named("DocBody").enumerate() {
            deadline.check(|| format!("while reading the structure of DocBody {i}"))?;
            let signatures_xml = body
                .child_text("Signatures")
                .and_then(|l| finder.find("OFD.xml", &l, &mut t).ok());
            let required = match body.child_text("DocRoot") {
                None => Err(format!("DocBody {i} of OFD.xml has no DocRoot")),
                Some(loc) => match finder.find("OFD.xml", &loc, &mut t) {
                    Err(p) => Err(format!("the document root {p} is missing")),
                    Ok(root) => s.read_doc(pkg, &finder, &root, &mut budget, &mut t),
                },
            };
            s.docs.push(Doc {
                signatures_xml,
                required,
            });
        }
        t.sort();
        t.dedup();
        s.tolerated = t;
        Ok(s)
    }

    fn parse(
        pkg: &Package,
        path: &str,
        budget: &mut usize,
        tolerated: &mut Vec<String>,
    ) -> Option<Element> {
        if *budget == 0 {
            tolerated.push(format!(
                "more than {MAX_STRUCTURE_PARTS} structure parts: {path} not read to name its files"
            ));
            return None;
        }
        *budget -= 1;
        match parse_xml(path, pkg.get(path)?) {
            Ok((el, _)) => Some(el),
            Err(e) => {
                tolerated.push(format!("{e}: the files it names are not known"));
                None
            }
        }
    }

    fn role(&mut self, path: String, role: &'static str) {
        self.roles.entry(path).or_insert(role);
    }

    fn read_doc(
        &mut self,
        pkg: &Package,
        finder: &Finder<'_>,
        root: &str,
        budget: &mut usize,
        t: &mut Vec<String>,
    ) -> Result<Required, String> {
        if *budget == 0 {
            return Err(format!(
                "more than {MAX_STRUCTURE_PARTS} structure parts: {root} not read"
            ));
        }
        *budget -= 1;
        let bytes = pkg.get(root).unwrap_or_default();
        let (doc, _) = parse_xml(root, bytes).map_err(|e| e.to_string())?;
        self.roles.insert(root.to_string(), ROOT);
        let mut pages = Vec::new();
        if let Some(list) = doc.child("Pages") {
            for p in list.children_named("Page") {
                let Some(loc) = p.attr("BaseLoc").filter(|l| !l.trim().is_empty()) else {
                    return Err(format!(
                        "page {} of {root} has no BaseLoc",
                        p.attr("ID").unwrap_or("?")
                    ));
                };
                let path = finder.find(root, loc, t).unwrap_or_else(|p| p);
                self.roles.insert(path.clone(), PAGE);
                pages.push(path);
            }
        }
        if pages.is_empty() {
            return Err(format!("{root} lists no page"));
        }
        if let Some(common) = doc.child("CommonData") {
            for tpl in common.children_named("TemplatePage") {
                if let Some(loc) = tpl.attr("BaseLoc")
                    && let Ok(p) = finder.find(root, loc, t)
                {
                    self.role(p, TEMPLATE);
                }
            }
            let lists: Vec<String> = texts(common, "PublicRes")
                .chain(texts(common, "DocumentRes"))
                .collect();
            for loc in lists {
                if let Ok(p) = finder.find(root, &loc, t) {
                    self.role(p.clone(), RESOURCES);
                    if let Some(res) = Self::parse(pkg, &p, budget, t) {
                        self.read_res(finder, &p, &res, t);
                    }
                }
            }
        }
        let lists: [(&str, &'static str, &str, &'static str); 3] = [
            ("Annotations", ANNOTATIONS, "Page", ANNOTATION),
            ("Attachments", ATTACHMENTS, "Attachment", ATTACHMENT),
            ("CustomTags", CUSTOM_TAGS, "CustomTag", CUSTOM_TAGS),
        ];
        for (list, list_role, item, item_role) in lists {
            let Some(loc) = doc.child_text(list) else {
                continue;
            };
            let Ok(p) = finder.find(root, &loc, t) else {
                continue;
            };
            self.role(p.clone(), list_role);
            let Some(el) = Self::parse(pkg, &p, budget, t) else {
                continue;
            };
            for it in el.children_named(item) {
                let locs: Vec<String> =
                    texts(it, "FileLoc").chain(texts(it, "SchemaLoc")).collect();
                for l in locs {
                    if let Ok(f) = finder.find(&p, &l, t) {
                        self.role(f, item_role);
                    }
                }
            }
        }
        if let Some(loc) = doc.child_text("Extensions")
            && let Ok(p) = finder.find(root, &loc, t)
        {
            self.role(p, EXTENSIONS);
        }
        Ok(Required {
            root: root.to_string(),
            pages,
        })
    }

    /// The files a resource list names (`MediaFile`, `FontFile`), under its `BaseLoc`.
    fn read_res(&mut self, finder: &Finder<'_>, path: &str, res: &Element, t: &mut Vec<String>) {
        let base = res.attr("BaseLoc").map(str::trim).unwrap_or_default();
        let mut files = Vec::new();
        res.descendants("MediaFile", &mut files);
        res.descendants("FontFile", &mut files);
        for f in files {
            let name = f.text.trim();
            if name.is_empty() {
                continue;
            }
            let under_base = (!base.is_empty() && !name.starts_with('/'))
                .then(|| {
                    finder
                        .find(path, &format!("{base}/{name}"), &mut Vec::new())
                        .ok()
                })
                .flatten();
            if let Some(p) = under_base.or_else(|| finder.find(path, name, t).ok()) {
                self.role(p, RESOURCE_FILE);
            }
        }
    }

    /// The `DocBody` whose `Signatures.xml` is `signatures_xml`.
    pub(super) fn doc_of(&self, signatures_xml: &str) -> Option<&Doc> {
        self.docs
            .iter()
            .find(|d| d.signatures_xml.as_deref() == Some(signatures_xml))
    }

    /// The files of `pkg` neither `covered` by a signature nor signature `machinery`.
    pub(super) fn unprotected(
        &self,
        pkg: &Package,
        covered: &BTreeSet<String>,
        machinery: &BTreeSet<String>,
    ) -> Vec<UnprotectedPart> {
        pkg.names()
            .filter(|n| !covered.contains(*n) && !machinery.contains(*n))
            .map(|n| UnprotectedPart {
                file: n.to_string(),
                role: self.roles.get(n).copied().unwrap_or(UNKNOWN).to_string(),
            })
            .collect()
    }
}

/// What a signature (listed in `doc`) must protect but does not: `(role, file)`; `Err` when
/// what it must protect cannot be known.
pub(super) fn missing(
    doc: Option<&Doc>,
    covered: &BTreeSet<String>,
) -> Result<Vec<(&'static str, String)>, String> {
    let doc = doc.ok_or("its DocBody is not found in OFD.xml")?;
    let req = doc.required.as_ref().map_err(String::clone)?;
    let mut out = Vec::new();
    if !covered.contains(&req.root) {
        out.push((ROOT, req.root.clone()));
    }
    for p in &req.pages {
        if !covered.contains(p) && !out.iter().any(|(_, f)| f == p) {
            out.push((PAGE, p.clone()));
        }
    }
    Ok(out)
}

/// One warning per role for the unprotected parts (at most 10 files named per warning).
pub(super) fn warnings(parts: &[UnprotectedPart]) -> Vec<String> {
    let mut by_role: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for p in parts {
        by_role.entry(&p.role).or_default().push(&p.file);
    }
    by_role
        .into_iter()
        .map(|(role, files)| {
            let mut names = files
                .iter()
                .take(10)
                .copied()
                .collect::<Vec<_>>()
                .join(", ");
            if files.len() > 10 {
                names.push_str(&format!(" and {} more", files.len() - 10));
            }
            format!("protected by no signature — {role}: {names}; a change to it is not detected")
        })
        .collect()
}
