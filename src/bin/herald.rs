//! The `herald` command: parses arguments, runs one command, prints, picks the exit code.

use std::process::ExitCode;

fn main() -> ExitCode {
    herald::cli::main()
}
