fn main() {
    // The UI is embedded at compile time; say how to build it rather than fail obscurely.
    if !std::path::Path::new("../ui/dist/index.html").exists() {
        panic!("the UI is not built: run `npm --prefix ui ci && npm --prefix ui run build` in the project root first");
    }
    println!("cargo:rerun-if-changed=../ui/dist");
    tauri_build::build()
}
