// The emulator's cookieless embed page script: the Looker side of @looker/embed-sdk's conversation.
//
// It speaks chatty's protocol: a Syn ({action: 0}) posted to the parent at the embed domain with a
// MessageChannel port; every later message goes over that port as {action, data}. From the page
// (chatty client): 1 Ack, 2 Message {eventName, payload: [event]}, 4 Response {eventName, payload,
// sequence}. From the SDK (chatty host): 0 SynAck, 1 Message, 2 MessageWithResponse.
//
// Events the page sends: page:changed, session:tokens:request and session:status. The SDK answers a
// token request with session:tokens {api_token, api_token_ttl, navigation_token, navigation_token_ttl,
// session_reference_token_ttl}. The page asks again shortly before the tokens it holds expire (the SDK
// only calls generate_tokens once the tokens are near their end), and reloads its data with every new
// API token. A session_reference_token_ttl of 0 means the session is over; missing tokens mean the
// host could not get any (interrupted, retried). dashboard:filters:update and dashboard:run (and
// look:run, explore:run) change the filters and reload.
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("embed-config").textContent);
  var state = { tokens: null, expiresAt: 0, timer: null, target: config.target, port: null };
  window.lookerEmbedSession = state;
  if (window.parent === window || !config.embed_domain) return;

  function send(eventName, event) {
    state.port.postMessage({ action: 2, data: { eventName: eventName, payload: [event] } });
  }

  function status(fields) {
    var event = { type: "session:status", session_ttl: 0, expired: false, interrupted: false };
    for (var key in fields) event[key] = fields[key];
    send("session:status", event);
  }

  function requestTokens() {
    send("session:tokens:request", { type: "session:tokens:request" });
  }

  function askIn(seconds) {
    clearTimeout(state.timer);
    state.timer = setTimeout(requestTokens, Math.max(0.5, seconds) * 1000);
  }

  function reload() {
    if (!state.tokens) return;
    var headers = {};
    headers[config.token_header] = state.tokens.api_token;
    fetch(config.content_url + "?target=" + encodeURIComponent(state.target), { headers: headers })
      .then(function (reply) {
        if (reply.status === 401) {
          requestTokens();
          return null;
        }
        return reply.text();
      })
      .then(function (text) {
        if (text !== null) document.getElementById("embed-content").innerHTML = text;
      });
  }

  function expire() {
    clearTimeout(state.timer);
    state.tokens = null;
    status({ expired: true });
    document.getElementById("embed-content").innerHTML = "<p class='session-expired'>The session has expired.</p>";
  }

  function onTokens(tokens) {
    if (tokens && tokens.session_reference_token_ttl === 0) return expire();
    if (!tokens || !tokens.api_token || !tokens.navigation_token) {
      status({ interrupted: true, recoverable: true });
      return askIn(5);
    }
    var ttl = Math.min(Number(tokens.api_token_ttl), Number(tokens.navigation_token_ttl));
    var fresh = !state.tokens || state.tokens.api_token !== tokens.api_token;
    if (fresh) {
      var first = !state.tokens;
      state.tokens = tokens;
      state.expiresAt = Date.now() + ttl * 1000;
      status({ session_ttl: tokens.session_reference_token_ttl });
      if (!first) reload();
      return askIn(ttl - Math.min(30, ttl / 4));
    }
    var left = (state.expiresAt - Date.now()) / 1000;
    if (left <= 0) status({ interrupted: true, recoverable: true });
    askIn(Math.min(5, Math.max(left / 2, 1)));
  }

  function setFilters(filters) {
    var url = new URL(state.target, window.location.origin);
    for (var name in filters) url.searchParams.set(name, filters[name]);
    state.target = url.pathname + url.search;
  }

  function onMessage(message) {
    var data = message.data || {};
    if (message.action === 0) {
      state.port.postMessage({ action: 1, data: {} });
      var page = { type: "page:changed", page: { type: pageType(), url: state.target,
        absoluteUrl: window.location.href, lookerVersion: config.looker_version } };
      send("page:changed", page);
      requestTokens();
    } else if (message.action === 1 || message.action === 2) {
      var event = (data.payload || [])[0] || {};
      if (data.eventName === "session:tokens") onTokens(event);
      if (data.eventName === "dashboard:filters:update") setFilters(event.filters || {});
      if (/^(dashboard|look|explore):run$/.test(data.eventName || "")) reload();
      if (message.action === 2) {
        state.port.postMessage({ action: 4, data: { eventName: data.eventName, payload: [], sequence: data.sequence } });
      }
    }
  }

  function pageType() {
    var kind = window.location.pathname.split("/")[2] || "";
    return { dashboards: "dashboard", looks: "look", explore: "explore" }[kind] || kind;
  }

  var channel = new MessageChannel();
  state.port = channel.port1;
  state.port.onmessage = function (evt) { onMessage(evt.data || {}); };
  window.parent.postMessage({ action: 0 }, config.embed_domain, [channel.port2]);
})();
