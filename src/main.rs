//! The `yinxin` binary: see `yinxin --help`.

fn main() {
    std::process::exit(yinxin::cli::main());
}
