//! Generates the gRPC service and messages from `proto/robot.proto`.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    if std::env::var_os("PROTOC").is_none() {
        // SAFETY: the build script is single-threaded; prost-build reads PROTOC after this.
        unsafe { std::env::set_var("PROTOC", protoc_bin_vendored::protoc_bin_path()?) };
    }
    println!("cargo:rerun-if-changed=proto/robot.proto");
    tonic_prost_build::configure().compile_protos(&["proto/robot.proto"], &["proto"])?;
    Ok(())
}
