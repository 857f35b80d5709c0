//! `sufler serve`: live checking of many calls at once, straight from the
//! PBX, with an operator panel in the browser.
//!
//! Audio comes in over Asterisk AudioSocket ([`audiosocket`]), Twilio
//! Media Streams or L16 WebSockets ([`websocket`]); each call taken
//! ([`hub`]) is a stream of one shared recogniser (one model, one
//! Whisper state, taking turns among the calls:
//! [`crate::live::recognise`]) and has its own judge; what it comes to
//! goes to the panels and integrations ([`panel`], over [`http`]) and,
//! when it ends, into its results file.

pub mod audiosocket;
pub mod config;
pub mod http;
pub mod hub;
pub mod log;
pub mod metrics;
pub mod panel;
pub mod websocket;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use sufler_core::call::Speaker;
use sufler_core::rules::RuleSet;
use sufler_hear::asr::Model;

use crate::error::{Error, Result};
use crate::live::recognise::Recogniser;
use audiosocket::{Pairs, Port};
pub use config::Config;
use hub::Hub;

/// Serves until `shutdown` completes (SIGTERM, Ctrl-C): then no call is
/// taken, the calls in progress get [`Config::drain_s`] to end by
/// themselves and are then ended, and their results are written before
/// this returns.
pub fn run(config: Config, rules: Arc<RuleSet>, model: &Arc<Model>, shutdown: impl Future<Output = ()> + Send + 'static) -> Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().map_err(Error::Runtime)?;
    let recogniser = Recogniser::start(model.session()?);
    let hub = Arc::new(Hub::new(config, rules, recogniser));
    let served = runtime.block_on(serve(hub.clone(), shutdown));
    // No call can come now: the recogniser ends once the last one has.
    let joined = hub.take_recogniser().map_or(Ok(()), Recogniser::join);
    runtime.shutdown_timeout(Duration::from_secs(1));
    served.and(joined)
}

async fn bind(addr: SocketAddr, what: &str) -> Result<tokio::net::TcpListener> {
    let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| Error::Usage(format!("cannot listen on {addr} ({what}): {e}")))?;
    let local = listener.local_addr().map_err(Error::Output)?;
    log::info("listening", serde_json::json!({ "port": what, "addr": local }));
    Ok(listener)
}

async fn serve(hub: Arc<Hub>, shutdown: impl Future<Output = ()>) -> Result<()> {
    let http = bind(hub.config.listen, "http").await?;
    let pairs = Arc::new(Pairs::default());
    let a = hub.config.audiosocket.clone();
    for (addr, port) in [(a.operator, Port::Leg(Speaker::Operator)), (a.client, Port::Leg(Speaker::Client)), (a.stereo, Port::Stereo)] {
        if let Some(addr) = addr {
            let listener = bind(addr, port.name()).await?;
            tokio::spawn(audiosocket::listen(hub.clone(), pairs.clone(), listener, port));
        }
    }
    let app = http::router(hub.clone()).into_make_service_with_connect_info::<SocketAddr>();
    let mut ending = hub.ending();
    let server = tokio::spawn(
        axum::serve(http, app)
            .with_graceful_shutdown(async move {
                hub::until(&mut ending).await;
            })
            .into_future(),
    );
    tokio::select! {
        () = shutdown => {}
        // The process ends with recognition's error, for its supervisor to start it again.
        () = hub.recognition_failed() => log::error("recognition stopped", serde_json::json!({ "calls_in_progress": hub.in_progress().len() })),
    }
    let calls = hub.in_progress().len();
    log::info("stopping", serde_json::json!({ "calls_in_progress": calls, "drain_s": hub.config.drain_s }));
    hub.stop_taking();
    if tokio::time::timeout(Duration::from_secs_f64(hub.config.drain_s), hub.drained()).await.is_err() {
        log::info("ending the calls in progress", serde_json::json!({ "calls": hub.in_progress().len() }));
    }
    hub.end_calls();
    hub.drained().await;
    server.await.map_err(|_| Error::Thread("http"))?.map_err(Error::Output)?;
    log::info("stopped", serde_json::json!({}));
    Ok(())
}
