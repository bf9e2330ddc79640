//! HTML text: escaping and a small builder. Every value from a report, a file or a request
//! goes through [`Html::text`] (or [`escape`] for attributes); only the page's own markup is
//! written raw.

use std::fmt::Write;

/// `s` with `& < > " '` escaped, for text and double-quoted attribute values: the OFD
/// writer's XML escaper (`&apos;` is HTML5 too).
pub fn escape(s: &str) -> String {
    crate::document::xml::esc(s)
}

/// A page being written.
#[derive(Default)]
pub struct Html(String);

impl Html {
    /// Markup of the page's own, written as is.
    pub fn raw(&mut self, s: &str) -> &mut Self {
        self.0.push_str(s);
        self
    }

    /// Text, escaped.
    pub fn text(&mut self, s: &str) -> &mut Self {
        self.0.push_str(&escape(s));
        self
    }

    /// `<tag attrs>text</tag>` with the text escaped (`attrs` are the page's own).
    pub fn element(&mut self, tag: &str, attrs: &str, text: &str) -> &mut Self {
        let _ = write!(
            self.0,
            "<{tag}{}{attrs}>{}</{tag}>",
            if attrs.is_empty() { "" } else { " " },
            escape(text)
        );
        self
    }

    /// The page.
    pub fn finish(self) -> String {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn everything_that_could_open_markup_is_escaped() {
        assert_eq!(
            escape(r#"<script>alert("x&y's")</script>"#),
            "&lt;script&gt;alert(&quot;x&amp;y&apos;s&quot;)&lt;/script&gt;"
        );
        let mut h = Html::default();
        h.element("p", r#"class="a""#, "<b>")
            .raw("<br>")
            .text("a&b");
        assert_eq!(h.finish(), r#"<p class="a">&lt;b&gt;</p><br>a&amp;b"#);
    }
}
