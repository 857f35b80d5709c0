//! What `deploy/` holds, checked here without a cluster or docker: the
//! Kubernetes Job and the Dockerfile by `scripts/check_deploy.py` (the
//! Kubernetes API's own models, a Dockerfile parser), and the Slurm array
//! script run as Slurm would run its tasks, with `SLURM_ARRAY_TASK_*` set
//! by hand.
//!
//! Needs what `scripts/setup.sh` makes: `target/venv`.

mod support;

use std::path::PathBuf;
use std::process::Command;

use support::{need, root};

#[test]
fn the_job_manifest_and_the_dockerfile_fit_their_schemas() {
    let python = need(&root().join("target/venv/bin/python"));
    let out = Command::new(python).arg(root().join("scripts/check_deploy.py")).output().unwrap();
    assert!(out.status.success(), "{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
}

#[test]
fn the_slurm_array_script_checks_a_days_calls_in_shares() {
    let script = root().join("deploy/slurm/sufler-array.sh");
    let syntax = Command::new("bash").arg("-n").arg(&script).status().unwrap();
    assert!(syntax.success());
    let store = std::env::temp_dir().join(format!("sufler-slurm-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&store);
    let day = store.join("calls/2026-12-01/text");
    std::fs::create_dir_all(&day).unwrap();
    let made = Command::new("python3").arg(root().join("scripts/varied_calls.py")).arg(store.join("varied")).arg("--text-only").output().unwrap();
    assert!(made.status.success());
    let texts: Vec<PathBuf> =
        std::fs::read_dir(store.join("varied/text/ru")).unwrap().map(|e| e.unwrap().path()).filter(|p| p.extension().is_some_and(|e| e == "txt")).collect();
    for t in &texts {
        std::fs::copy(t, day.join(t.file_name().unwrap())).unwrap();
    }
    for task in 0..3 {
        let out = Command::new("bash")
            .arg(&script)
            .env("SUFLER", env!("CARGO_BIN_EXE_sufler"))
            .env("STORE", &store)
            .env("DAY", "2026-12-01")
            .env("SLURM_ARRAY_TASK_ID", task.to_string())
            .env("SLURM_ARRAY_TASK_COUNT", "3")
            .env("SLURM_CPUS_PER_TASK", "1")
            .output()
            .unwrap();
        assert!(matches!(out.status.code(), Some(0 | 1)), "task {task}: {}", String::from_utf8_lossy(&out.stderr));
    }
    let merged = Command::new(env!("CARGO_BIN_EXE_sufler")).arg("merge").arg(store.join("results/2026-12-01")).output().unwrap();
    assert_eq!(merged.status.code(), Some(0), "{}", String::from_utf8_lossy(&merged.stderr));
    assert_eq!(
        String::from_utf8_lossy(&merged.stderr),
        format!("{} calls from 3 shares (shares: 0-of-3, 1-of-3, 2-of-3): 0 missing, 0 doubled\n", texts.len())
    );
    // Without a task id it says how it is meant to run.
    let bare = Command::new("bash").arg(&script).env_remove("SLURM_ARRAY_TASK_ID").env("SUFLER", env!("CARGO_BIN_EXE_sufler")).output().unwrap();
    assert!(!bare.status.success());
    assert!(String::from_utf8_lossy(&bare.stderr).contains("run it with sbatch (or set SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT)"));
}

/// The settings in the serve manifest's ConfigMap are what `sufler serve`
/// reads: parsed by sufler itself (unknown keys are errors there).
#[test]
fn the_serve_manifests_settings_are_sufler_serves() {
    let manifest = std::fs::read_to_string(root().join("deploy/k8s/serve.yaml")).unwrap();
    let block: String = manifest
        .lines()
        .skip_while(|l| !l.trim_end().ends_with("sufler.toml: |"))
        .skip(1)
        .take_while(|l| l.is_empty() || l.starts_with("    "))
        .map(|l| format!("{}\n", l.strip_prefix("    ").unwrap_or(l)))
        .collect();
    let file = std::env::temp_dir().join(format!("sufler-serve-manifest-{}.toml", std::process::id()));
    std::fs::write(&file, block).unwrap();
    let (serve, _) = sufler::settings::serve(Some(&file)).unwrap();
    std::fs::remove_file(&file).unwrap();
    assert_eq!(serve.listen, Some("0.0.0.0:8686".parse().unwrap()));
    assert_eq!(serve.audiosocket.operator, Some("0.0.0.0:9092".parse().unwrap()));
    assert_eq!(serve.audiosocket.allow, Some(vec!["10.0.0.5".parse().unwrap()]));
}

/// The systemd unit for `sufler serve` is one systemd takes (its own
/// `systemd-analyze verify`), run with the binary built here.
#[test]
fn the_serve_unit_is_one_systemd_takes() {
    let unit = std::fs::read_to_string(root().join("deploy/systemd/sufler-serve.service")).unwrap();
    assert!(unit.contains("ExecStart=/usr/local/bin/sufler serve --config /etc/sufler/sufler.toml"));
    let dir = std::env::temp_dir().join(format!("sufler-unit-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("sufler-serve.service");
    std::fs::write(&file, unit.replace("/usr/local/bin/sufler", env!("CARGO_BIN_EXE_sufler"))).unwrap();
    let out = Command::new("systemd-analyze").arg("verify").arg(&file).output().expect("systemd-analyze (scripts/setup.sh installs systemd)");
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(out.status.success() && out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
}
