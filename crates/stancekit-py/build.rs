//! The extension module lives in `site-packages/stancekit/`; libtorch comes from the pip `torch`
//! package beside it, so the rpath is relative to the module file.
fn main() {
    println!("cargo:rustc-link-arg-cdylib=-Wl,-rpath,$ORIGIN/../torch/lib");
}
