//! A one-page PDF whose font uses a predefined CJK CMap (the first byte picks which) and whose
//! content shows the rest of the input as a string: the CMap rewriting of `pdf/cjk.rs` splits and
//! decodes arbitrary codes without a panic in maruhi-extract's code.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;

const CMAPS: [&str; 12] = [
    "UniJIS-UCS2-H",
    "UniJIS-UTF16-V",
    "UniJIS-UTF32-H",
    "UniJIS-UTF8-H",
    "90ms-RKSJ-H",
    "83pv-RKSJ-H",
    "EUC-V",
    "H",
    "Identity-H",
    "GBK-EUC-H",
    "ETen-B5-H",
    "KSCms-UHC-H",
];

fuzz_target!(|data: &[u8]| {
    common::install_panic_hook();
    let Some((&pick, shown)) = data.split_first() else { return };
    let cmap = CMAPS[usize::from(pick) % CMAPS.len()];
    let hex: String = shown.iter().map(|b| format!("{b:02x}")).collect();
    let content = format!("BT /F1 12 Tf 72 720 Td <{hex}> Tj [<{hex}> 3 <{hex}>] TJ ET");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>"
            .to_owned(),
        format!("<< /Length {} >>\nstream\n{content}\nendstream", content.len()),
        format!(
            "<< /Type /Font /Subtype /Type0 /BaseFont /HeiseiMin-W3 /Encoding /{cmap} /DescendantFonts [<< /Type /Font \
             /Subtype /CIDFontType0 /BaseFont /HeiseiMin-W3 /CIDSystemInfo << /Registry (Adobe) /Ordering (Japan1) \
             /Supplement 2 >> /FontDescriptor << /Type /FontDescriptor /FontName /HeiseiMin-W3 /Flags 6 >> >>] >>"
        ),
    ];
    let mut pdf = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend_from_slice(format!("{} 0 obj\n{body}\nendobj\n", i + 1).as_bytes());
    }
    let xref = pdf.len();
    pdf.extend_from_slice(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes());
    for offset in offsets {
        pdf.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    pdf.extend_from_slice(format!("trailer\n<</Size {}/Root 1 0 R>>\nstartxref\n{xref}\n%%EOF\n", objects.len() + 1).as_bytes());
    let limits = common::limits();
    let out = maruhi_extract::extract_bytes("fuzz.pdf", &pdf, &limits);
    let text: usize = out.documents.iter().map(|d| d.text.len()).sum();
    assert!(text as u64 <= limits.max_text_bytes);
});
