//! Headless Chromium driven over the DevTools protocol, through the pipe
//! Chromium opens on file descriptors 3 and 4 (`--remote-debugging-pipe`:
//! JSON messages ended by a NUL byte). Enough to open a page, run script
//! in it, see every request it makes, and take a screenshot.

use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::os::fd::{FromRawFd, RawFd};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};

use base64::Engine as _;
use serde_json::{Value, json};

pub struct Browser {
    child: Child,
    to: File,
    from: BufReader<File>,
    next: u64,
    session: String,
    /// Every URL the page asked for.
    pub requests: Vec<String>,
    loaded: bool,
}

fn pipe() -> (RawFd, RawFd) {
    let mut fds = [0; 2];
    // SAFETY: `fds` has room for the two descriptors.
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0, "pipe");
    (fds[0], fds[1])
}

impl Browser {
    /// Starts Chromium (Debian's `chromium`, which `scripts/setup.sh`
    /// installs) with a page open.
    pub fn launch(profile: &Path) -> Browser {
        let (to_chrome_r, to_chrome_w) = pipe();
        let (from_chrome_r, from_chrome_w) = pipe();
        let mut cmd = Command::new("chromium");
        cmd.args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--remote-debugging-pipe",
            "--no-first-run",
            "--window-size=1280,1600",
            "--autoplay-policy=no-user-gesture-required",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
        // SAFETY: only async-signal-safe calls between fork and exec.
        unsafe {
            cmd.pre_exec(move || {
                if libc::dup2(to_chrome_r, 3) < 0 || libc::dup2(from_chrome_w, 4) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = cmd.spawn().unwrap_or_else(|e| panic!("chromium: {e} (scripts/setup.sh installs it)"));
        // SAFETY: the descriptors are ours, each wrapped once; the child's ends are closed here.
        let (to, from) = unsafe {
            libc::close(to_chrome_r);
            libc::close(from_chrome_w);
            (File::from_raw_fd(to_chrome_w), File::from_raw_fd(from_chrome_r))
        };
        let mut b = Browser { child, to, from: BufReader::new(from), next: 0, session: String::new(), requests: Vec::new(), loaded: false };
        let target = b.call(None, "Target.createTarget", json!({ "url": "about:blank" }));
        let attached = b.call(None, "Target.attachToTarget", json!({ "targetId": target["targetId"], "flatten": true }));
        b.session = attached["sessionId"].as_str().unwrap().to_string();
        b.page("Page.enable", json!({}));
        b.page("Network.enable", json!({}));
        b.page("Emulation.setDeviceMetricsOverride", json!({ "width": 1280, "height": 1600, "deviceScaleFactor": 1, "mobile": false }));
        b
    }

    /// Sends a command (to the page's session, or the browser) and waits
    /// for its answer, noting the events that come meanwhile.
    fn call(&mut self, session: Option<String>, method: &str, params: Value) -> Value {
        self.next += 1;
        let id = self.next;
        let mut message = json!({ "id": id, "method": method, "params": params });
        if let Some(s) = session {
            message["sessionId"] = Value::String(s);
        }
        self.to.write_all(serde_json::to_string(&message).unwrap().as_bytes()).unwrap();
        self.to.write_all(b"\0").unwrap();
        loop {
            let m = self.read();
            if m["id"] == id {
                assert!(m.get("error").is_none(), "{method}: {m}");
                return m["result"].clone();
            }
        }
    }

    fn read(&mut self) -> Value {
        let mut buf = Vec::new();
        let n = self.from.read_until(0, &mut buf).unwrap();
        assert!(n > 0, "chromium closed its pipe");
        buf.pop();
        let m: Value = serde_json::from_slice(&buf).unwrap();
        match m["method"].as_str() {
            Some("Network.requestWillBeSent") => self.requests.push(m["params"]["request"]["url"].as_str().unwrap_or("").to_string()),
            Some("Page.loadEventFired") => self.loaded = true,
            _ => {}
        }
        m
    }

    fn page(&mut self, method: &str, params: Value) -> Value {
        self.call(Some(self.session.clone()), method, params)
    }

    /// Opens `url` and waits until it has loaded.
    pub fn open(&mut self, url: &str) {
        self.loaded = false;
        self.page("Page.navigate", json!({ "url": url }));
        while !self.loaded {
            self.read();
        }
    }

    /// The value of a script run in the page (a promise is waited for).
    pub fn eval(&mut self, script: &str) -> Value {
        let r = self.page("Runtime.evaluate", json!({ "expression": script, "returnByValue": true, "awaitPromise": true }));
        assert!(r.get("exceptionDetails").is_none(), "{script}: {r}");
        r["result"]["value"].clone()
    }

    /// The page as a PNG.
    /// The page's size, as a window of `width` × `height` would give it.
    pub fn viewport(&mut self, width: u32, height: u32) {
        self.page("Emulation.setDeviceMetricsOverride", json!({ "width": width, "height": height, "deviceScaleFactor": 1, "mobile": false }));
    }

    pub fn screenshot(&mut self) -> Vec<u8> {
        let r = self.page("Page.captureScreenshot", json!({ "format": "png", "captureBeyondViewport": true }));
        base64::engine::general_purpose::STANDARD.decode(r["data"].as_str().unwrap()).unwrap()
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
