//! The HTTP side: the operator panel (`/panel`), its event stream and the
//! integrations' (`/events`, Server-Sent Events of JSON records), the
//! calls in progress (`/calls`), metadata a PBX announces for a call
//! (`POST /calls/{id}`), WebSocket ingest (`/twilio`, `/stream`),
//! `/healthz` and Prometheus' `/metrics`. Everything but `/healthz` needs
//! the token: `Authorization: Bearer …`, or `?token=…` where a header
//! cannot be set (a browser's EventSource, a PBX's stream URL).

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::{ConnectInfo, Form, Path, Query, State, WebSocketUpgrade};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::sse::{Event as Sse, KeepAlive, Sse as SseBody};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use tokio_stream::StreamExt as _;

use sufler_stream::twilio::MAX_MESSAGE;

use super::hub::{self, Hub};
use super::log;
use super::panel::Follow;
use super::websocket::{self, Layout, MAX_FRAME};

const PAGE: &str = include_str!("panel.html");

pub fn router(hub: Arc<Hub>) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .route("/panel", get(panel))
        .route("/events", get(events))
        .route("/calls", get(calls))
        .route("/calls/{id}", post(announce))
        .route("/twilio", get(twilio))
        .route("/stream", get(stream))
        .with_state(hub)
}

/// Up, and taking calls (503 while stopping, for load balancers to move on).
async fn healthz(State(hub): State<Arc<Hub>>) -> Response {
    if *hub.stopping().borrow() {
        return (StatusCode::SERVICE_UNAVAILABLE, "stopping\n").into_response();
    }
    "ok\n".into_response()
}

/// Compares in time independent of where the two differ.
pub fn token_matches(token: &str, given: &str) -> bool {
    token.len() == given.len() && token.bytes().zip(given.bytes()).fold(0u8, |d, (a, b)| d | (a ^ b)) == 0
}

/// Whether a request shows the token.
fn authorised(hub: &Hub, headers: &HeaderMap, query: &HashMap<String, String>) -> bool {
    let bearer = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
    bearer.or(query.get("token").map(String::as_str)).is_some_and(|t| token_matches(&hub.config.token, t))
}

fn refused() -> Response {
    (StatusCode::UNAUTHORIZED, "a token is needed: Authorization: Bearer <token>, or ?token=<token>\n").into_response()
}

async fn panel(State(hub): State<Arc<Hub>>, headers: HeaderMap, Query(q): Query<HashMap<String, String>>) -> Response {
    if !authorised(&hub, &headers, &q) {
        return refused();
    }
    // The page holds the token in its address: it is not to be sent on.
    let page = PAGE.replacen(r#"<html lang="ru">"#, &format!(r#"<html lang="{}">"#, hub.rules.lang.code()), 1);
    ([(header::REFERRER_POLICY, "no-referrer"), (header::CACHE_CONTROL, "no-store")], Html(page)).into_response()
}

fn follow(q: &HashMap<String, String>) -> Follow {
    match (q.get("operator"), q.get("call")) {
        (Some(o), _) => Follow::Operator(o.clone()),
        (None, Some(c)) => Follow::Call(c.clone()),
        (None, None) => Follow::All,
    }
}

async fn events(State(hub): State<Arc<Hub>>, headers: HeaderMap, Query(q): Query<HashMap<String, String>>) -> Response {
    if !authorised(&hub, &headers, &q) {
        return refused();
    }
    let follow = follow(&q);
    let (past, mut news) = hub.panel.subscribe(&follow);
    let sse = |m: &super::panel::Message| Sse::default().event(m.kind).data(m.json.clone());
    let (tx, rx) = tokio::sync::mpsc::channel(64);
    let mut ending = hub.ending();
    tokio::spawn(async move {
        for m in past {
            if tx.send(sse(&m)).await.is_err() {
                return;
            }
        }
        loop {
            tokio::select! {
                m = news.recv() => match m {
                    Ok(m) if follow.wants(&m) => if tx.send(sse(&m)).await.is_err() { return },
                    Ok(_) => {}
                    // A subscriber that fell behind by the whole backlog is
                    // let go: its browser reconnects and is shown the call afresh.
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => {
                        log::warn("subscriber let go", serde_json::json!({ "reason": format!("too slow: {n} messages behind") }));
                        return;
                    }
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
                },
                () = hub::until(&mut ending) => return,
                () = tx.closed() => return,
            }
        }
    });
    SseBody::new(tokio_stream::wrappers::ReceiverStream::new(rx).map(Ok::<_, Infallible>)).keep_alive(KeepAlive::default()).into_response()
}

async fn calls(State(hub): State<Arc<Hub>>, headers: HeaderMap, Query(q): Query<HashMap<String, String>>) -> Response {
    if !authorised(&hub, &headers, &q) {
        return refused();
    }
    axum::Json(hub.in_progress()).into_response()
}

/// Metadata for a call whose audio is to come, as form fields (what
/// Asterisk's `CURL()` posts): `operator`, `team`, `start`, others tags.
async fn announce(
    State(hub): State<Arc<Hub>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
    Form(mut fields): Form<std::collections::BTreeMap<String, String>>,
) -> Response {
    if !authorised(&hub, &headers, &q) {
        return refused();
    }
    fields.remove("token");
    fields.remove("call_id");
    hub.announce(hub::meta_from(id.clone(), Some(id), fields));
    StatusCode::NO_CONTENT.into_response()
}

async fn twilio(
    State(hub): State<Arc<Hub>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
    ws: WebSocketUpgrade,
) -> Response {
    // Twilio's <Stream> cannot add headers: its token may come in the
    // start message's customParameters instead.
    let shown = authorised(&hub, &headers, &q);
    ws.max_message_size(MAX_MESSAGE).max_frame_size(MAX_MESSAGE).on_upgrade(move |socket| websocket::twilio(hub, socket, shown, peer))
}

async fn stream(
    State(hub): State<Arc<Hub>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
    ws: WebSocketUpgrade,
) -> Response {
    if !authorised(&hub, &headers, &q) {
        log::warn("connection refused", serde_json::json!({ "port": "stream", "peer": peer, "reason": "no valid token" }));
        return refused();
    }
    let layout =
        Layout { rate: q.get("rate").and_then(|r| r.parse().ok()).unwrap_or(8_000), channels: q.get("channels").and_then(|c| c.parse().ok()).unwrap_or(1) };
    ws.max_message_size(MAX_FRAME).max_frame_size(MAX_FRAME).on_upgrade(move |socket| websocket::stream(hub, socket, layout, peer))
}

async fn metrics(State(hub): State<Arc<Hub>>, headers: HeaderMap, Query(q): Query<HashMap<String, String>>) -> Response {
    if !authorised(&hub, &headers, &q) {
        return refused();
    }
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], super::metrics::render(&hub)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_matches_only_itself() {
        let table = [("s3cret-token", true), ("s3cret-tokeN", false), ("s3cret-toke", false), ("s3cret-token ", false), ("", false), ("с3cret-token", false)];
        for (given, want) in table {
            assert_eq!(token_matches("s3cret-token", given), want, "{given:?}");
        }
    }

    #[test]
    fn a_subscriber_follows_an_operator_a_call_or_every_call() {
        let q = |pairs: &[(&str, &str)]| pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<HashMap<_, _>>();
        let table = [
            (q(&[("operator", "anna")]), Follow::Operator("anna".into())),
            (q(&[("call", "CA01")]), Follow::Call("CA01".into())),
            (q(&[("operator", "anna"), ("call", "CA01")]), Follow::Operator("anna".into())),
            (q(&[("token", "x")]), Follow::All),
        ];
        for (query, want) in table {
            assert_eq!(follow(&query), want, "{query:?}");
        }
    }
}
