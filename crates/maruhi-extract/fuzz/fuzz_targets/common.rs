//! Shared by the fuzz targets: tight limits, and a panic hook that tells our panics from the
//! third-party ones the library contains by design.

use std::time::Duration;

use maruhi_extract::Limits;

pub fn limits() -> Limits {
    Limits {
        max_file_bytes: 16 << 20,
        max_expanded_bytes: 64 << 20,
        max_text_bytes: 16 << 20,
        time_budget: Duration::from_secs(5),
        use_pdftotext: false,
        // OCR runs Tesseract in a child process: not this process's parsers, and too slow to
        // fuzz through.
        use_ocr: false,
        ..Limits::default()
    }
}

/// extract_bytes contains parser panics and reports them as MRH-EXTRACT-011, which is the
/// behaviour under test; libFuzzer's own hook would abort on them. A panic raised in
/// maruhi-extract's own source is still a crash. Set MARUHI_FUZZ_ALL_PANICS=1 to abort on every
/// panic and so hunt third-party ones too.
pub fn install_panic_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let all = std::env::var_os("MARUHI_FUZZ_ALL_PANICS").is_some();
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let ours = info.location().is_some_and(|l| l.file().contains("maruhi-extract/src"));
            if all || ours {
                default(info);
                std::process::abort();
            }
        }));
    });
}
