//! Marked PDF copies: a ㊙ stamp across the top of every page, and the
//! copy's code in the document information dictionary.
//!
//! The stamp is drawn once, with the report font embedded as a subset
//! (krilla, so the text has a ToUnicode map and copies out of a viewer
//! as text), and placed on each page as one form XObject (ISO 32000-1
//! §8.10), the way PDF stamping tools overlay a watermark: the page's
//! own content is wrapped in `q … Q` so its graphics state cannot move
//! the stamp, and the stamp is scaled to the page's visible width and
//! turned with the page's `/Rotate`, so it reads along the top edge as
//! the page is shown. Nothing of the original is removed or rewritten
//! except the page dictionaries' `/Contents` and `/Resources`.

use lopdf::{Dictionary, Document, Object, ObjectId, Stream};

use super::{Banner, MarkError};

/// The stamp's own size in points (scaled to each page).
const STAMP_W: f32 = 600.0;
const STAMP_H: f32 = 18.0;
/// How far `/Parent` is followed for inherited page attributes.
const MAX_DEPTH: usize = 32;
/// The information dictionary's key that carries the copy's code.
pub const INFO_KEY: &str = "MaruhiCopy";

pub(super) fn mark_pdf(bytes: &[u8], banner: &Banner) -> Result<Vec<u8>, MarkError> {
    let bad = |e: &dyn std::fmt::Display| MarkError::Malformed(e.to_string());
    let mut doc = Document::load_mem(bytes).map_err(|e| bad(&e))?;
    if doc.is_encrypted() {
        return Err(MarkError::Unsupported("encrypted pdf".into()));
    }
    let pages: Vec<ObjectId> = doc.get_pages().into_values().collect();
    if pages.is_empty() {
        return Err(MarkError::Malformed("no page".into()));
    }
    let stamp = add_stamp(&mut doc, banner)?;
    let open = doc.add_object(Stream::new(Dictionary::new(), b"q\n".to_vec()));
    for page in pages {
        let (x0, y0, x1, y1) = visible_box(&doc, page);
        let rotate = inherited(&doc, page, b"Rotate").and_then(|o| o.as_i64().ok()).unwrap_or(0).rem_euclid(360);
        let name = add_xobject(&mut doc, page, stamp)?;
        let (w, h) = (x1 - x0, y1 - y0);
        // [a b c d e f]: where the stamp's x and y axes go on the page, and
        // where its lower left corner lands so its top meets the shown top.
        let m = match rotate {
            90 => {
                let s = h / STAMP_W;
                [0.0, s, -s, 0.0, x0 + STAMP_H * s, y0]
            }
            180 => {
                let s = w / STAMP_W;
                [-s, 0.0, 0.0, -s, x1, y0 + STAMP_H * s]
            }
            270 => {
                let s = h / STAMP_W;
                [0.0, -s, s, 0.0, x1 - STAMP_H * s, y1]
            }
            _ => {
                let s = w / STAMP_W;
                [s, 0.0, 0.0, s, x0, y1 - STAMP_H * s]
            }
        };
        let ops = format!(
            "Q\nq {} {} {} {} {} {} cm /{name} Do Q\n",
            num(m[0]),
            num(m[1]),
            num(m[2]),
            num(m[3]),
            num(m[4]),
            num(m[5])
        );
        let close = doc.add_object(Stream::new(Dictionary::new(), ops.into_bytes()));
        let dict = doc.get_dictionary_mut(page).map_err(|e| bad(&e))?;
        let mut contents = vec![Object::Reference(open)];
        match dict.get(b"Contents") {
            Ok(Object::Reference(id)) => contents.push(Object::Reference(*id)),
            Ok(Object::Array(items)) => contents.extend(items.iter().cloned()),
            _ => {}
        }
        contents.push(Object::Reference(close));
        dict.set("Contents", contents);
    }
    set_info(&mut doc, banner);
    let mut out = Vec::with_capacity(bytes.len() + 64 * 1024);
    doc.save_to(&mut out).map_err(|e| bad(&e))?;
    Ok(out)
}

fn num(v: f32) -> String {
    let s = format!("{v:.4}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s.is_empty() || s == "-" || s == "-0" {
        "0".into()
    } else {
        s.to_owned()
    }
}

/// A page attribute, looked up the page tree as far as [`MAX_DEPTH`].
fn inherited<'a>(doc: &'a Document, page: ObjectId, key: &[u8]) -> Option<&'a Object> {
    let mut node = doc.get_dictionary(page).ok()?;
    for _ in 0..MAX_DEPTH {
        if let Ok(v) = node.get(key) {
            return doc.dereference(v).ok().map(|(_, o)| o);
        }
        node = doc.get_dictionary(node.get(b"Parent").ok()?.as_reference().ok()?).ok()?;
    }
    None
}

/// The page's crop box, else its media box, else A4.
fn visible_box(doc: &Document, page: ObjectId) -> (f32, f32, f32, f32) {
    let read = |key: &[u8]| -> Option<(f32, f32, f32, f32)> {
        let items = inherited(doc, page, key)?.as_array().ok()?;
        let v: Vec<f32> =
            items.iter().filter_map(|o| doc.dereference(o).ok().and_then(|(_, o)| o.as_float().ok())).collect();
        let [a, b, c, d] = v[..] else { return None };
        let (x0, x1) = (a.min(c), a.max(c));
        let (y0, y1) = (b.min(d), b.max(d));
        (x1 - x0 > 1.0 && y1 - y0 > 1.0 && [x0, y0, x1, y1].iter().all(|v| v.is_finite())).then_some((x0, y0, x1, y1))
    };
    read(b"CropBox").or_else(|| read(b"MediaBox")).unwrap_or((0.0, 0.0, 595.0, 842.0))
}

/// Draws the banner once and adds it to `doc` as a form XObject.
fn add_stamp(doc: &mut Document, banner: &Banner) -> Result<ObjectId, MarkError> {
    use krilla::geom::{PathBuilder, Point, Rect};
    use krilla::page::PageSettings;
    use krilla::paint::{Fill, FillRule};
    use krilla::text::TextDirection;

    let font = crate::report::render::load_font().map_err(|_| MarkError::NoFont)?;
    let line = banner.line();
    let ems: f32 = line.chars().map(crate::report::render::advance).sum();
    let size = ((STAMP_W - 16.0) / ems.max(1.0)).min(9.0);
    let mut pdf = krilla::Document::new();
    let settings =
        PageSettings::from_wh(STAMP_W, STAMP_H).ok_or_else(|| MarkError::Malformed("stamp page size".into()))?;
    let mut page = pdf.start_page_with(settings);
    let mut surface = page.surface();
    if let Some(rect) = Rect::from_xywh(0.0, 0.0, STAMP_W, STAMP_H) {
        let mut path = PathBuilder::new();
        path.push_rect(rect);
        if let Some(path) = path.finish() {
            surface.set_fill(Some(Fill {
                paint: krilla::color::rgb::Color::new(255, 255, 255).into(),
                opacity: krilla::num::NormalizedF32::new(0.85).unwrap_or(krilla::num::NormalizedF32::ONE),
                rule: FillRule::NonZero,
            }));
            surface.draw_path(&path);
        }
    }
    surface.set_fill(Some(Fill {
        paint: krilla::color::rgb::Color::new(192, 0, 0).into(),
        opacity: krilla::num::NormalizedF32::ONE,
        rule: FillRule::NonZero,
    }));
    let baseline = (STAMP_H + size * 0.7) / 2.0;
    surface.draw_text(Point::from_xy(8.0, baseline), font, size, &line, false, TextDirection::Auto);
    surface.finish();
    page.finish();
    let bytes = pdf.finish().map_err(|e| MarkError::Malformed(format!("stamp: {e:?}")))?;

    let mut stamp = Document::load_mem(&bytes).map_err(|e| MarkError::Malformed(format!("stamp: {e}")))?;
    stamp.renumber_objects_with(doc.max_id + 1);
    let page = stamp.page_iter().next().ok_or_else(|| MarkError::Malformed("stamp has no page".into()))?;
    let stamp_error = |e: lopdf::Error| MarkError::Malformed(format!("stamp: {e}"));
    let content = stamp.get_page_content(page).map_err(stamp_error)?;
    let resources = stamp.get_dictionary(page).and_then(|d| d.get(b"Resources")).map_err(stamp_error)?;
    let resources = stamp.dereference(resources).map_err(stamp_error)?.1.as_dict().map_err(stamp_error)?.clone();
    let (resources, content) = own_names(&stamp, resources, &content).map_err(stamp_error)?;
    let resources = Object::Dictionary(resources);
    // Only what the stamp's resources reach (fonts, graphics states).
    let mut todo = Vec::new();
    refs(&resources, &mut todo);
    let mut seen = std::collections::BTreeSet::new();
    while let Some(id) = todo.pop() {
        if !seen.insert(id) {
            continue;
        }
        if let Ok(obj) = stamp.get_object(id) {
            refs(obj, &mut todo);
            doc.objects.insert(id, obj.clone());
        }
    }
    doc.max_id = doc.max_id.max(stamp.max_id);
    let mut dict = Dictionary::new();
    dict.set("Type", Object::Name(b"XObject".to_vec()));
    dict.set("Subtype", Object::Name(b"Form".to_vec()));
    dict.set("BBox", vec![0.into(), 0.into(), Object::Real(STAMP_W), Object::Real(STAMP_H)]);
    dict.set("Resources", resources);
    let mut form = Stream::new(dict, content);
    // A stamp that does not compress is kept as it is.
    let _ = form.compress();
    Ok(doc.add_object(form))
}

/// The stamp's resources under names of its own (`Mrh…`) in its
/// resources and its content: text extractors that keep the page's names
/// while they read a form would otherwise decode the stamp's text with
/// the page's fonts.
fn own_names(stamp: &Document, resources: Dictionary, content: &[u8]) -> lopdf::Result<(Dictionary, Vec<u8>)> {
    let mut renamed = std::collections::BTreeSet::new();
    let mut out = Dictionary::new();
    for (category, value) in resources.iter() {
        match stamp.dereference(value)?.1 {
            Object::Dictionary(named) => {
                let mut own = Dictionary::new();
                for (name, v) in named.iter() {
                    renamed.insert(name.clone());
                    own.set([b"Mrh".as_slice(), name].concat(), v.clone());
                }
                out.set(category.clone(), own);
            }
            other => out.set(category.clone(), other.clone()),
        }
    }
    let mut ops = lopdf::content::Content::decode(content)?;
    for op in &mut ops.operations {
        for operand in &mut op.operands {
            if let Object::Name(name) = operand {
                if renamed.contains(name.as_slice()) {
                    *name = [b"Mrh".as_slice(), name].concat();
                }
            }
        }
    }
    Ok((out, ops.encode()?))
}

fn refs(obj: &Object, out: &mut Vec<ObjectId>) {
    match obj {
        Object::Reference(id) => out.push(*id),
        Object::Array(items) => items.iter().for_each(|o| refs(o, out)),
        Object::Dictionary(d) => d.iter().for_each(|(_, o)| refs(o, out)),
        Object::Stream(s) => s.dict.iter().for_each(|(_, o)| refs(o, out)),
        _ => {}
    }
}

/// Names the stamp in the page's own `/Resources` (a copy of inherited or
/// shared ones, so no other page changes) and returns the name used.
fn add_xobject(doc: &mut Document, page: ObjectId, stamp: ObjectId) -> Result<String, MarkError> {
    let mut resources = match inherited(doc, page, b"Resources") {
        Some(Object::Dictionary(d)) => d.clone(),
        _ => Dictionary::new(),
    };
    let mut xobjects = match resources.get(b"XObject").ok().and_then(|o| doc.dereference(o).ok()) {
        Some((_, Object::Dictionary(d))) => d.clone(),
        _ => Dictionary::new(),
    };
    let mut name = "MaruhiMark".to_owned();
    let mut n = 1;
    while xobjects.has(name.as_bytes()) {
        n += 1;
        name = format!("MaruhiMark{n}");
    }
    xobjects.set(name.as_bytes().to_vec(), Object::Reference(stamp));
    resources.set("XObject", xobjects);
    let dict = doc.get_dictionary_mut(page).map_err(|e| MarkError::Malformed(e.to_string()))?;
    dict.set("Resources", resources);
    Ok(name)
}

/// The copy's code, level and secret in the document information
/// dictionary (kept or made), where document properties show them.
fn set_info(doc: &mut Document, banner: &Banner) {
    let code = banner.code.text();
    let existing = doc.trailer.get(b"Info").ok().and_then(|o| o.as_reference().ok());
    let mut info = existing
        .and_then(|id| doc.get_dictionary(id).ok().cloned())
        .or_else(|| doc.trailer.get(b"Info").ok().and_then(|o| o.as_dict().ok().cloned()))
        .unwrap_or_default();
    info.set(INFO_KEY, Object::string_literal(code.as_bytes().to_vec()));
    info.set(
        "Keywords",
        Object::string_literal(format!("{}{code}; secret {}", super::METADATA_PREFIX, banner.secret_id).into_bytes()),
    );
    match existing {
        Some(id) => {
            doc.objects.insert(id, Object::Dictionary(info));
        }
        None => {
            let id = doc.add_object(Object::Dictionary(info));
            doc.trailer.set("Info", Object::Reference(id));
        }
    }
}

/// Codes named by [`INFO_KEY`] in a PDF's bytes (an information
/// dictionary written in the clear, as [`mark_pdf`] writes it).
pub(super) fn info_codes(bytes: &[u8]) -> Vec<super::CopyCode> {
    let key = format!("/{INFO_KEY}");
    let mut out = Vec::new();
    let mut rest = bytes;
    while let Some(i) = find(rest, key.as_bytes()) {
        rest = &rest[i + key.len()..];
        let value = rest.iter().skip_while(|b| b.is_ascii_whitespace()).take(11).copied().collect::<Vec<u8>>();
        if let Some(code) = value
            .strip_prefix(b"(")
            .and_then(|v| v.get(..9))
            .and_then(|v| std::str::from_utf8(v).ok())
            .and_then(super::CopyCode::parse)
        {
            out.push(code);
        }
    }
    out
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}
