//! Embeds the libtorch directory as an rpath so that tests and examples of this crate run without
//! `LD_LIBRARY_PATH`.
fn main() {
    if let Ok(lib_dir) = std::env::var("DEP_TCH_LIBTORCH_LIB") {
        println!("cargo:rustc-link-arg=-Wl,-rpath,{lib_dir}");
    }
}
