//! The `stancekit` binary: everything lives in the library so that the Python wheel can run the same CLI.

fn main() -> std::process::ExitCode {
    stancekit_cli::main_with_args(std::env::args_os())
}
