//! The `stancekit` binary end to end on tiny random models: formats, stdin, JSONL batches with bad lines,
//! invalid UTF-8, exit codes.

#![expect(
    clippy::unwrap_used,
    clippy::panic,
    reason = "test helpers fail loudly"
)]

mod common;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use common::Fixture;
use serde_json::Value;

fn run(args: &[&str], stdin: Option<&[u8]>) -> Output {
    run_with_env(args, stdin, &[])
}

fn run_with_env(args: &[&str], stdin: Option<&[u8]>, env: &[(&str, &str)]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_stancekit"))
        .args(args)
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(bytes) = stdin {
        child.stdin.take().unwrap().write_all(bytes).unwrap();
    }
    drop(child.stdin.take());
    child.wait_with_output().unwrap()
}

fn stdout_json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|error| panic!("{error}: {}", String::from_utf8_lossy(&output.stdout)))
}

const TEXT: &str = "President Trump said “peace talks” with Russia start in Paris. São Paulo 👍🏽.";

fn check_offsets(text: &str, entities: &Value) {
    for entity in entities.as_array().unwrap() {
        let start = entity["start"].as_u64().unwrap() as usize;
        let end = entity["end"].as_u64().unwrap() as usize;
        let slice: String = text.chars().skip(start).take(end - start).collect();
        assert_eq!(slice, entity["text"].as_str().unwrap());
    }
}

#[test]
fn ner_reads_stdin_and_files() {
    let fixture = Fixture::new("ner");
    let output = run(
        &["ner", "--model", &fixture.model("ner")],
        Some(TEXT.as_bytes()),
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let records = stdout_json(&output);
    assert_eq!(records[0]["id"], "stdin");
    check_offsets(TEXT, &records[0]["entities"]);

    let file = fixture.file("a.txt", TEXT.as_bytes());
    let file = file.to_str().unwrap();
    let output = run(
        &[
            "ner",
            file,
            "-",
            "--model",
            &fixture.model("ner"),
            "--format",
            "jsonl",
        ],
        Some(b"Vance"),
    );
    assert!(output.status.success());
    let lines: Vec<Value> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["id"], file);
    check_offsets(TEXT, &lines[0]["entities"]);

    let output = run(
        &[
            "ner",
            file,
            "--model",
            &fixture.model("ner"),
            "--format",
            "table",
            "--aggregation",
            "max",
        ],
        None,
    );
    assert!(output.status.success());
    assert!(String::from_utf8(output.stdout).unwrap().contains("label"));
}

#[test]
fn bad_documents_get_error_records_and_the_rest_are_processed() {
    let fixture = Fixture::new("jsonl");
    let jsonl = [
        br#"{"id": "one", "text": "Vance spoke in Munich."}"#.as_slice(),
        b"not json",
        br#"[1, 2]"#,
        br#"{"id": "no-text"}"#,
        b"{\"id\": \"bytes\", \"text\": \"\xff\xfe\"}",
        br#"{"id": "two", "text": ""}"#,
    ]
    .join(&b'\n');
    let path = fixture.file("docs.jsonl", &jsonl);
    let output = run(
        &[
            "ner",
            path.to_str().unwrap(),
            "--model",
            &fixture.model("ner"),
            "--format",
            "jsonl",
        ],
        None,
    );
    assert_eq!(output.status.code(), Some(1), "some documents failed");
    let lines: Vec<Value> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(lines.len(), 6);
    assert_eq!(lines[0]["id"], "one");
    assert!(lines[0]["entities"].is_array());
    for line in &lines[1..5] {
        assert_eq!(line["error"]["kind"], "invalid_input", "{line}");
    }
    assert!(lines[4]["error"]["message"]
        .as_str()
        .unwrap()
        .contains("offset"));
    assert_eq!(lines[5]["entities"], serde_json::json!([]));

    let output = run(
        &["ner", "--model", &fixture.model("ner")],
        Some(b"ok \xc3\x28 bad"),
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(stdout_json(&output)[0]["error"]["message"]
        .as_str()
        .unwrap()
        .contains("offset 3"));

    let output = run(
        &["ner", "/no/such/file.txt", "--model", &fixture.model("ner")],
        None,
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(stdout_json(&output)[0]["error"]["message"]
        .as_str()
        .unwrap()
        .contains("/no/such/file.txt"));
}

#[test]
fn stance_gives_one_prediction_per_target() {
    let fixture = Fixture::new("stance");
    let output = run(
        &[
            "stance",
            "--target",
            "sanctions on Russia",
            "-t",
            "NATO",
            "--model",
            &fixture.model("stance"),
        ],
        Some(TEXT.as_bytes()),
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stances = &stdout_json(&output)[0]["stances"];
    assert_eq!(stances.as_array().unwrap().len(), 2);
    assert_eq!(stances[1]["target"], "NATO");
    let total: f64 = ["favor", "against", "none"]
        .iter()
        .map(|k| stances[0]["scores"][k].as_f64().unwrap())
        .sum();
    assert!((total - 1.0).abs() < 1e-4);

    let output = run(
        &[
            "stance",
            "--target",
            "",
            "--model",
            &fixture.model("stance"),
        ],
        Some(TEXT.as_bytes()),
    );
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stdout_json(&output)[0]["error"]["kind"], "invalid_input");
}

#[test]
fn usage_and_model_errors_have_their_exit_codes() {
    let output = run(&["stance", "-"], Some(b"text"));
    assert_eq!(output.status.code(), Some(2), "--target is required");
    let output = run(&["ner", "--aggregation", "median"], Some(b"text"));
    assert_eq!(output.status.code(), Some(2));
    let output = run(&["--help"], None);
    assert_eq!(output.status.code(), Some(0));
    assert!(String::from_utf8(output.stdout).unwrap().contains("stance"));
    let output = run(&["ner", "--help"], None);
    let help = String::from_utf8(output.stdout).unwrap();
    for option in [
        "--model",
        "--aggregation",
        "--format",
        "--input-format",
        "--batch-size",
    ] {
        assert!(help.contains(option), "{option} undocumented");
    }
    let output = run(&["ner", "--model", "/no/model"], Some(b"text"));
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("does not exist") && !stderr.contains("panicked"),
        "{stderr}"
    );
    assert!(Path::new(env!("CARGO_BIN_EXE_stancekit")).exists());
}

#[test]
fn precision_runs_bfloat16_and_refuses_int8_unless_measured_and_unknown_names() {
    let fixture = Fixture::new("precision");
    // int8 is refused unless asked for to measure it.
    let scores = |precision: &str| {
        let output = run_with_env(
            &[
                "--precision",
                precision,
                "stance",
                "-t",
                "NATO",
                "--model",
                &fixture.model("stance"),
            ],
            Some(TEXT.as_bytes()),
            &[("STANCEKIT_EXPERIMENTAL_INT8", "1")],
        );
        assert!(
            output.status.success(),
            "{precision}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let stances = &stdout_json(&output)[0]["stances"];
        ["favor", "against", "none"].map(|k| stances[0]["scores"][k].as_f64().unwrap())
    };
    let float32 = scores("float32");
    for precision in ["bfloat16", "int8"] {
        let other = scores(precision);
        let drift = float32
            .iter()
            .zip(other)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        // Converted, and still close: the probabilities move by rounding, not by a broken forward.
        assert!(drift > 0.0 && drift < 0.05, "{precision}: {drift}");
    }
    let output = run(
        &[
            "--precision",
            "float16",
            "ner",
            "--model",
            &fixture.model("ner"),
        ],
        Some(b"text"),
    );
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("bfloat16") && !stderr.contains("panicked"),
        "{stderr}"
    );
}
