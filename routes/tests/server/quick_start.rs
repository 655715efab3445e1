//! The README's quick start, as a user runs it: `peregrine demo` prints a
//! URL and a curl command, and that request answers the home rows.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// Stops the demo however the test ends.
struct Demo(Child);

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The value of `--data-urlencode 'name=value'` in the printed command.
fn data(command: &str, name: &str) -> String {
    let marker = format!("--data-urlencode '{name}=");
    let start = command.find(&marker).expect("the parameter is printed") + marker.len();
    let end = command[start..].find('\'').expect("a closing quote") + start;
    command[start..end].to_owned()
}

#[tokio::test]
async fn the_printed_curl_of_the_demo_answers_the_home_rows() {
    let child = Command::new(env!("CARGO_BIN_EXE_peregrine"))
        .args(["demo", "--port", "0", "--no-page-build"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the demo starts");
    let mut demo = Demo(child);
    let stdout = demo.0.stdout.take().expect("piped stdout");
    // Read what the demo prints up to the end of its curl command, then
    // keep reading (a closed pipe would end the demo at its next line).
    let (sender, received) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        let mut lines = Vec::new();
        let mut sent = false;
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if !sent {
                let done = line.contains("--data-urlencode 'paths=");
                lines.push(line);
                if done {
                    let _ = sender.send(lines.join("\n"));
                    sent = true;
                }
            }
        }
    });
    let printed = tokio::task::spawn_blocking(move || {
        received
            .recv_timeout(std::time::Duration::from_secs(30))
            .expect("the demo prints its curl command")
    })
    .await
    .expect("the reader ends");
    let url_start = printed.find("curl -G '").expect("a curl command") + "curl -G '".len();
    let url_end = printed[url_start..].find('\'').expect("a closing quote") + url_start;
    let url = &printed[url_start..url_end];
    assert!(
        printed.contains("-H 'Authorization: Bearer u17'"),
        "{printed}"
    );

    let answer: serde_json::Value = reqwest::Client::new()
        .get(url)
        .header("Authorization", "Bearer u17")
        .query(&[
            ("method", data(&printed, "method")),
            ("paths", data(&printed, "paths")),
        ])
        .send()
        .await
        .expect("the demo answers")
        .error_for_status()
        .expect("a 200")
        .json()
        .await
        .expect("JSON");
    let graph = &answer["jsonGraph"];
    for row in 0..10 {
        let list = graph["genreLists"][row.to_string()]["value"][1]
            .as_str()
            .expect("a row is a ref to a list");
        assert!(
            graph["lists"][list]["name"].is_string(),
            "row {row}: {answer}"
        );
        for column in 0..10 {
            let video = graph["lists"][list][column.to_string()]["value"][1]
                .as_u64()
                .expect("a ref to a video");
            let video = &graph["videos"][video.to_string()];
            // The rating is the user's: an atom with `$expires`.
            assert!(
                video["title"].is_string() && video["rating"]["value"].is_number(),
                "{video}"
            );
        }
    }
    drop(demo);
}
