//! What the CLI's integration tests share: a temporary folder with a tiny random NER model (`ner/`) and a
//! tiny NLI model (`stance/`), removed when the test ends.

use std::path::PathBuf;

use stancekit_core::testing::{write_tiny_bert, TinyModel};

pub struct Fixture {
    root: PathBuf,
}

impl Fixture {
    /// A fresh folder for the test `name`, with the two tiny models in it.
    pub fn new(name: &str) -> Fixture {
        let root =
            std::env::temp_dir().join(format!("stancekit-cli-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        if let Err(error) = write_tiny_bert(&root.join("ner"), &TinyModel::ner())
            .and_then(|()| write_tiny_bert(&root.join("stance"), &TinyModel::nli()))
        {
            panic!("cannot write the tiny models: {error}");
        }
        Fixture { root }
    }

    /// A path inside the folder.
    pub fn path(&self, name: &str) -> PathBuf {
        self.root.join(name)
    }

    /// Writes `bytes` to a file of the folder and returns its path.
    pub fn file(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.path(name);
        if let Err(error) = std::fs::write(&path, bytes) {
            panic!("cannot write {}: {error}", path.display());
        }
        path
    }

    /// A model directory of the folder ("ner" or "stance") as a command-line argument.
    pub fn model(&self, name: &str) -> String {
        self.path(name).display().to_string()
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}
