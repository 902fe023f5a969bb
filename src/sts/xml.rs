//! Flattens a small AWS query-protocol XML reply into `path → text` for its leaf elements.
//!
//! STS replies are shallow records with no repeated elements, so a flat map keyed by the
//! slash-joined local names (`AssumeRoleWithSAMLResponse/ResponseMetadata/RequestId`) is
//! all the structure we need. Namespaces are ignored on purpose: STS puts everything in its
//! default namespace, and emulators differ in whether they declare it.

use std::ops::Range;

use quick_xml::Reader;
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::Event;

/// Deeper than any STS reply; bounds the work a hostile body can cause.
const MAX_DEPTH: usize = 16;
/// More leaves than any STS reply has.
const MAX_LEAVES: usize = 128;

/// The leaves of one XML document.
#[derive(Debug, Default)]
pub(super) struct Flat {
    /// Local name of the root element.
    pub root: String,
    /// Every leaf's slash-joined path, one after another.
    paths: String,
    /// Every leaf's trimmed text, one after another.
    texts: String,
    /// Where each leaf's path and text are in `paths` and `texts`, in document order. A
    /// reply has a few dozen leaves, so a scan beats hashing every path.
    leaves: Vec<(Range<usize>, Range<usize>)>,
}

impl Flat {
    /// The trimmed text of the leaf at `path`: local names from the root, one per item (an
    /// item may itself hold slash-joined names).
    pub fn get(&self, path: &[&str]) -> Option<&str> {
        self.leaves()
            .find(|(leaf, _)| is_path(leaf, path))
            .map(|(_, text)| text)
    }

    fn leaves(&self) -> impl Iterator<Item = (&str, &str)> {
        self.leaves.iter().filter_map(|(path, text)| {
            Some((self.paths.get(path.clone())?, self.texts.get(text.clone())?))
        })
    }

    fn contains(&self, path: &str) -> bool {
        self.leaves().any(|(leaf, _)| leaf == path)
    }

    fn push(&mut self, path: &str, text: &str) {
        let path_start = self.paths.len();
        self.paths.push_str(path);
        let text_start = self.texts.len();
        self.texts.push_str(text);
        self.leaves
            .push((path_start..self.paths.len(), text_start..self.texts.len()));
    }
}

/// Whether `leaf` is the items of `path` joined with `/`.
fn is_path(leaf: &str, path: &[&str]) -> bool {
    // Most leaves differ in length: that settles it without comparing a byte.
    let joined = path.iter().map(|item| item.len()).sum::<usize>() + path.len().saturating_sub(1);
    if leaf.len() != joined {
        return false;
    }
    let mut rest = leaf;
    for (i, item) in path.iter().enumerate() {
        if i > 0 {
            match rest.strip_prefix('/') {
                Some(r) => rest = r,
                None => return false,
            }
        }
        match rest.strip_prefix(item) {
            Some(r) => rest = r,
            None => return false,
        }
    }
    rest.is_empty()
}

/// Parses `text`; the error says why it is not a plain XML record.
pub(super) fn flatten(text: &str) -> Result<Flat, String> {
    let mut reader = Reader::from_str(text);
    let config = reader.config_mut();
    config.expand_empty_elements = true;
    config.check_end_names = true;

    // Paths and texts together are about as long as the document.
    let mut flat = Flat {
        paths: String::with_capacity(text.len()),
        texts: String::with_capacity(text.len() / 2),
        ..Flat::default()
    };
    // The open elements' path, and for each open element: the path's length before it,
    // and whether a child element has been seen.
    let mut path = String::new();
    let mut stack: Vec<(usize, bool)> = Vec::new();
    let mut text_buf = String::new();
    let mut seen_root = false;

    loop {
        let event = reader.read_event().map_err(|e| {
            format!(
                "not well-formed XML at byte {}: {e}",
                reader.error_position()
            )
        })?;
        match event {
            Event::Start(start) => {
                if stack.is_empty() && seen_root {
                    return Err("more than one root element".into());
                }
                if stack.len() >= MAX_DEPTH {
                    return Err("elements nested too deeply".into());
                }
                let name = std::str::from_utf8(start.local_name().into_inner())
                    .map_err(|_| "element name is not UTF-8".to_owned())?;
                stack.push((path.len(), false));
                if let Some(parent) = stack.len().checked_sub(2).and_then(|i| stack.get_mut(i)) {
                    parent.1 = true;
                    path.push('/');
                } else {
                    seen_root = true;
                    name.clone_into(&mut flat.root);
                }
                path.push_str(name);
                // Text before a child is indentation inside a container.
                text_buf.clear();
            }
            Event::End(_) => {
                let Some((parent_len, had_children)) = stack.pop() else {
                    return Err("unbalanced end tag".into());
                };
                if !had_children {
                    if flat.leaves.len() >= MAX_LEAVES {
                        return Err("too many elements".into());
                    }
                    if flat.contains(&path) {
                        return Err(format!("element {path} appears more than once"));
                    }
                    flat.push(&path, text_buf.trim());
                }
                path.truncate(parent_len);
                text_buf.clear();
            }
            Event::Text(t) => {
                let piece = t.xml10_content().map_err(|e| format!("bad text: {e}"))?;
                if stack.is_empty() {
                    if !piece.trim().is_empty() {
                        return Err("text outside the root element".into());
                    }
                } else {
                    text_buf.push_str(&piece);
                }
            }
            Event::CData(c) => {
                if stack.is_empty() {
                    return Err("CDATA outside the root element".into());
                }
                text_buf.push_str(&c.decode().map_err(|e| format!("bad CDATA: {e}"))?);
            }
            Event::GeneralRef(r) => {
                if stack.is_empty() {
                    return Err("reference outside the root element".into());
                }
                if let Some(ch) = r
                    .resolve_char_ref()
                    .map_err(|e| format!("bad reference: {e}"))?
                {
                    text_buf.push(ch);
                } else {
                    let name = r.decode().map_err(|e| format!("bad reference: {e}"))?;
                    let value = resolve_predefined_entity(&name)
                        .ok_or_else(|| format!("unknown entity &{name};"))?;
                    text_buf.push_str(value);
                }
            }
            // A DOCTYPE is how HTML error pages start; STS never sends one.
            Event::DocType(_) => return Err("a DOCTYPE (HTML page?)".into()),
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
            Event::Empty(_) => return Err("unexpected empty element".into()),
            Event::Eof => break,
        }
    }
    if !stack.is_empty() {
        return Err("document ends inside an element".into());
    }
    if !seen_root {
        return Err("no root element".into());
    }
    Ok(flat)
}

#[cfg(test)]
#[path = "xml_tests.rs"]
mod tests;
