//! Prints what maruhi-extract finds in each file named on the command line: documents with their
//! format and text, then diagnostics. `MARUHI_NO_PDFTOTEXT=1` keeps to the Rust PDF path.
#![allow(clippy::print_stdout)]

use maruhi_extract::{extract_file, Limits};

fn main() {
    let limits = Limits { use_pdftotext: std::env::var_os("MARUHI_NO_PDFTOTEXT").is_none(), ..Limits::default() };
    for arg in std::env::args().skip(1) {
        let out = extract_file(std::path::Path::new(&arg), &arg, &limits);
        for d in &out.documents {
            println!("== {} ({})\n{}", d.path, d.format.as_str(), d.text);
        }
        for d in &out.diagnostics {
            println!("!! {} {} {}", d.path, d.code, d.message);
        }
    }
}
