//! The preflight over the loaded document, before pdf-extract sees it.
//!
//! lopdf holds every stream as it is stored (compressed), and pdf-extract decodes a stream each
//! time it uses one, with lopdf's unbounded decoders. So here every stream is decoded once, within
//! the budgets, and stored decoded with its `/Filter` removed: afterwards pdf-extract never runs a
//! decoder, and what it copies is what was counted. pdf-extract also concatenates a page's content
//! streams (lopdf `get_page_content`, one copy per reference, so a `/Contents` array may name one
//! stream a thousand times) and holds the content of every form it is drawing along a `Do` chain;
//! that total, per page, is what bounds its memory, and it is what is checked against
//! [`crate::Limits::max_pdf_parse_bytes`].

use pdf_extract::content::Content;
use pdf_extract::{Dictionary, Document, Object, ObjectId};

use super::filters::{self, Decoded, Filter};
use super::{cjk, raw, Budget, Refusal};
use crate::codes;

/// How deep form XObjects may nest, and how many the walk visits, before the document is treated
/// as hostile.
const MAX_FORM_DEPTH: usize = 32;
const MAX_FORM_VISITS: usize = 20_000;
/// How far a page's `/Parent` chain is followed for an inherited `/MediaBox` (lopdf's own page tree
/// depth limit).
const MAX_PARENTS: usize = 256;

pub(super) fn prepare(doc: &mut Document, budget: &mut Budget, notes: &mut Vec<Refusal>) -> Result<(), Refusal> {
    if doc.objects.len() as u64 > u64::from(budget.max_objects) {
        return Err(Refusal::budget(format!("more than {} objects", budget.max_objects)));
    }
    // lopdf's page iterator stops after as many steps as there are objects, so this is bounded.
    let pages: Vec<ObjectId> = doc.page_iter().take(budget.max_pages as usize + 1).collect();
    if pages.len() > budget.max_pages as usize {
        return Err(Refusal::budget(format!("more than {} pages", budget.max_pages)));
    }
    media_boxes(doc, &pages)?;
    decode_streams(doc, budget, notes)?;
    let mut fonts = cjk::Fonts::find(doc);
    page_budgets(doc, &pages, budget, notes, &mut fonts)?;
    if !fonts.is_empty() {
        fonts.rewrite(doc);
    }
    Ok(())
}

/// pdf-extract requires a `/MediaBox` on every page (it panics without one) and finds it by
/// following `/Parent` links with no cycle check. A page whose chain loops is malformed; a page
/// with no box gets US Letter, the default of most readers.
fn media_boxes(doc: &mut Document, pages: &[ObjectId]) -> Result<(), Refusal> {
    for &page in pages {
        let mut node = page;
        let mut seen = Vec::new();
        let found = loop {
            if seen.contains(&node) || seen.len() > MAX_PARENTS {
                return Err(Refusal { code: codes::MALFORMED, message: "page tree whose parents loop".into() });
            }
            seen.push(node);
            let Ok(dict) = doc.get_dictionary(node) else { break false };
            if dict.get(b"MediaBox").is_ok_and(|b| is_box(doc, b)) {
                break true;
            }
            match dict.get(b"Parent").and_then(Object::as_reference) {
                Ok(parent) => node = parent,
                Err(_) => break false,
            }
        };
        if !found {
            if let Ok(dict) = doc.get_dictionary_mut(page) {
                let letter = [0, 0, 612, 792].map(Object::Integer).to_vec();
                dict.set("MediaBox", Object::Array(letter));
            }
        }
    }
    Ok(())
}

/// An array of four numbers, as pdf-extract reads a box.
fn is_box(doc: &Document, value: &Object) -> bool {
    let value = match value {
        Object::Reference(id) => doc.get_object(*id).unwrap_or(&Object::Null),
        other => other,
    };
    value.as_array().is_ok_and(|a| a.len() >= 4 && a.iter().all(|n| matches!(n, Object::Integer(_) | Object::Real(_))))
}

/// Decodes every stream pdf-extract may read, within the budgets, and stores it decoded. Streams
/// text extraction never reads are emptied without decoding: images (pdf-extract would decode an
/// image drawn with `Do` and parse the pixels as content), metadata, embedded files, and the object
/// and cross-reference streams the loader has already read.
fn decode_streams(doc: &mut Document, budget: &mut Budget, notes: &mut Vec<Refusal>) -> Result<(), Refusal> {
    let mut over = 0u64;
    let mut first_refusal = None;
    for object in doc.objects.values_mut() {
        let Object::Stream(stream) = object else { continue };
        budget.check_cancel()?;
        let name = |key: &[u8]| stream.dict.get(key).and_then(Object::as_name).ok().map(<[u8]>::to_vec);
        let (kind, subtype) = (name(b"Type"), name(b"Subtype"));
        // A TrueType program (`/FontFile2`, the one font stream with `/Length1` alone) is decoded
        // by pdf-extract and dropped unread.
        let truetype = stream.dict.has(b"Length1") && !stream.dict.has(b"Length2");
        let unused = matches!(kind.as_deref(), Some(b"XRef" | b"ObjStm" | b"Metadata" | b"EmbeddedFile"))
            || matches!(subtype.as_deref(), Some(b"Image" | b"XML"))
            || truetype;
        if unused {
            stream.set_plain_content(Vec::new());
            continue;
        }
        let Ok(names) = stream.filters() else {
            // No /Filter (or an unreadable one): lopdf uses the stored bytes as they are.
            stream.dict.remove(b"Filter");
            continue;
        };
        let chain: Option<Vec<Filter>> = names.iter().map(|n| Filter::from_name(n)).collect();
        let Some(chain) = chain else {
            // A filter text extraction cannot decode (DCT, JBIG2, Crypt…): pdf-extract falls back
            // to the stored bytes when lopdf's decoder fails, so they are what it gets, with no
            // decoding at all.
            stream.dict.remove(b"Filter");
            stream.dict.remove(b"DecodeParms");
            continue;
        };
        // Font programs (Type 1 with `/Length2`, CFF and OpenType in `/FontFile3`) are read as
        // binary tables and get the archive member limits. Anything else may be parsed as
        // content, so it is held to the parse limit too: no page could draw more anyway.
        let font = stream.dict.has(b"Length2")
            || matches!(subtype.as_deref(), Some(b"Type1C" | b"CIDFontType0C" | b"OpenType"));
        let mut limit = budget.stream_limit(stream.content.len() as u64);
        if !font {
            limit = limit.min(budget.parse_left(0));
        }
        match filters::decode(&stream.content, &chain, limit.limit, true) {
            Decoded::Done { bytes, produced } => {
                budget.spend(produced);
                let bytes = predictor(&stream.dict, &chain, bytes);
                stream.set_plain_content(bytes);
            }
            Decoded::OverLimit => {
                // Kept out, not refused: the rest of the document may still hold text.
                over += 1;
                first_refusal.get_or_insert_with(|| budget.refuse(limit, "a stream"));
                stream.set_plain_content(Vec::new());
            }
        }
    }
    if let Some(refusal) = first_refusal {
        let more = if over > 1 { format!(" ({over} streams left out)") } else { " (the stream was left out)".into() };
        notes.push(Refusal { code: refusal.code, message: format!("{}{more}", refusal.message) });
    }
    Ok(())
}

/// §7.4.4.4: lopdf undoes a PNG predictor (`/Predictor` 10 to 15) after each Flate or LZW stage;
/// so does this, with lopdf's own row decoder, on rows no longer than the data (lopdf allocates a
/// row before looking). Other predictors are left alone, as lopdf leaves them.
fn predictor(dict: &Dictionary, chain: &[Filter], data: Vec<u8>) -> Vec<u8> {
    let Ok(params) = dict.get(b"DecodeParms").and_then(Object::as_dict) else { return data };
    if !chain.iter().any(|f| matches!(f, Filter::Flate | Filter::Lzw { .. })) {
        return data;
    }
    let param = |k: &[u8], default: i64| params.get(k).and_then(Object::as_i64).unwrap_or(default);
    if !(10..=15).contains(&param(b"Predictor", 1)) {
        return data;
    }
    let colors = param(b"Colors", 1).max(1);
    let bits = param(b"BitsPerComponent", 8).max(8);
    let columns = param(b"Columns", 1).max(1);
    match raw::predictor_row(colors, bits, columns) {
        Some(row) if row <= data.len() as u64 && row > 0 => {
            let (Ok(bpp), Ok(columns)) = (usize::try_from(colors * bits / 8), usize::try_from(columns)) else {
                return Vec::new();
            };
            pdf_extract::filters::png::decode_frame(&data, bpp, columns).unwrap_or_default()
        }
        _ => Vec::new(),
    }
}

/// For each page, the bytes pdf-extract holds at once: its content streams concatenated (one copy
/// per reference) plus the deepest chain of forms it draws. A page over the limit loses its
/// content (other pages keep theirs); a form that draws itself makes the file malformed, since
/// pdf-extract would recurse until the stack overflowed, which no `catch_unwind` contains.
fn page_budgets(
    doc: &mut Document,
    pages: &[ObjectId],
    budget: &Budget,
    notes: &mut Vec<Refusal>,
    fonts: &mut cjk::Fonts,
) -> Result<(), Refusal> {
    let (mut skipped, mut unreadable) = (Vec::new(), Vec::new());
    let mut visits = 0usize;
    for &page in pages {
        budget.check_cancel()?;
        let content: u64 = doc
            .get_page_contents(page)
            .iter()
            .map(|id| doc.get_object(*id).and_then(Object::as_stream).map_or(0, |s| s.content.len() as u64 + 1))
            .sum();
        let mut roots = Vec::new();
        if let Ok((direct, inherited)) = doc.get_page_resources(page) {
            if let Some(resources) = direct {
                xobjects(doc, resources, &mut roots);
            }
            for id in inherited {
                if let Ok(resources) = doc.get_dictionary(id) {
                    xobjects(doc, resources, &mut roots);
                }
            }
        }
        let mut forms = 0u64;
        for &root in &roots {
            match form_depth_bytes(doc, root, &roots, &mut Vec::new(), &mut visits) {
                Some(bytes) => forms = forms.max(bytes),
                None => {
                    return Err(Refusal {
                        code: codes::MALFORMED,
                        message: "PDF whose drawing forms refer to themselves".into(),
                    })
                }
            }
        }
        if content.saturating_add(forms) > budget.max_parse {
            skipped.push(page);
        } else {
            // Parsed once here: to find content that does not parse, and the codes CJK fonts draw.
            match doc.get_page_content(page).map(|c| Content::decode(&c)) {
                Ok(Err(_)) => unreadable.push(page),
                Ok(Ok(content)) => fonts.note(&content.operations),
                Err(_) => {}
            }
        }
    }
    // pdf-extract unwraps the parse of every content stream, and a panic prints through the
    // process's panic hook (a backtrace per file with RUST_BACKTRACE set) before `catch_unwind`
    // contains it. A library installs no hook of its own, so the panic is avoided instead: content
    // that does not parse is parsed here first (within the limit just checked) and left out.
    for page in &unreadable {
        if let Ok(dict) = doc.get_dictionary_mut(*page) {
            dict.remove(b"Contents");
        }
    }
    let mut forms = Vec::new();
    for (id, object) in &doc.objects {
        let Ok(s) = object.as_stream() else { continue };
        if s.dict.get(b"Subtype").and_then(Object::as_name).ok() != Some(b"Form".as_slice()) {
            continue;
        }
        match Content::decode(&s.content) {
            Ok(content) => fonts.note(&content.operations),
            Err(_) => forms.push(*id),
        }
    }
    for id in forms {
        if let Ok(Object::Stream(s)) = doc.get_object_mut(id) {
            s.set_plain_content(Vec::new());
        }
    }
    if let Some(&first) = skipped.first() {
        let number = pages.iter().position(|&p| p == first).map_or(0, |i| i + 1);
        notes.push(Refusal::budget(format!(
            "{} page(s) left out, from page {number}: content over the PDF parse limit of {} bytes",
            skipped.len(),
            budget.max_parse
        )));
        for page in skipped {
            if let Ok(dict) = doc.get_dictionary_mut(page) {
                dict.remove(b"Contents");
            }
        }
    }
    Ok(())
}

/// The XObjects a resource dictionary names (pdf-extract resolves `Do` through them).
fn xobjects(doc: &Document, resources: &Dictionary, out: &mut Vec<ObjectId>) {
    let Ok(dict) = resources.get(b"XObject").and_then(|o| match o {
        Object::Reference(id) => doc.get_dictionary(*id),
        other => other.as_dict(),
    }) else {
        return;
    };
    out.extend(dict.iter().filter_map(|(_, v)| v.as_reference().ok()));
}

/// The most content bytes one chain of forms from `id` holds at once; `None` when a form can reach
/// itself (through its own XObject resources, or those it inherits when it has none, as
/// pdf-extract resolves them) or the forms nest too deeply or too widely to check.
fn form_depth_bytes(
    doc: &Document,
    id: ObjectId,
    inherited: &[ObjectId],
    path: &mut Vec<ObjectId>,
    visits: &mut usize,
) -> Option<u64> {
    if path.contains(&id) || path.len() >= MAX_FORM_DEPTH || *visits >= MAX_FORM_VISITS {
        return None;
    }
    *visits += 1;
    let Ok(Object::Stream(stream)) = doc.get_object(id) else { return Some(0) };
    let own = stream.content.len() as u64;
    if stream.dict.get(b"Subtype").and_then(Object::as_name).ok() != Some(b"Form".as_slice()) {
        // Images were emptied; anything else drawn with `Do` is parsed as content too.
        return Some(own);
    }
    let mut children = Vec::new();
    match stream.dict.get(b"Resources").and_then(|o| match o {
        Object::Reference(r) => doc.get_dictionary(*r),
        other => other.as_dict(),
    }) {
        Ok(resources) => xobjects(doc, resources, &mut children),
        Err(_) => children.extend_from_slice(inherited),
    }
    path.push(id);
    let mut deepest = 0u64;
    for &child in &children {
        deepest = deepest.max(form_depth_bytes(doc, child, &children, path, visits)?);
    }
    path.pop();
    Some(own.saturating_add(deepest))
}
