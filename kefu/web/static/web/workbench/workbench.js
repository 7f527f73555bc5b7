/* Kefu agent workbench (工作台): the list, the open conversation, the composer and the customer panel.
 *
 * Follows the agent side of docs/realtime-protocol.md: one WebSocket to /ws/agent/, messages kept
 * by seq per conversation, unacknowledged sends kept (sessionStorage) and resent with the same
 * client_id after a reconnect, resume with after_seq for every conversation held, ping every 20 s.
 * Plain modern JavaScript, no build step.
 */
(() => {
  "use strict";

  const $ = (selector, root = document) => root.querySelector(selector);
  const $$ = (selector, root = document) => Array.from(root.querySelectorAll(selector));
  const CONFIG = JSON.parse($("#wb-config").textContent);
  const T = JSON.parse($("#wb-strings").textContent);
  const PHRASE_STAGES = JSON.parse($("#wb-phrase-data").textContent);
  const CSRF = ($("input[name=csrfmiddlewaretoken]") || {}).value || "";
  const ME = CONFIG.me;
  const IMAGE_PREVIEW = "[image]"; // the preview the server stores for a message with only images
  const PING_MS = 20000;
  const PENDING_KEY = "kefu.workbench.pending." + ME.id;
  const EMOJI = "😊 😄 😂 🙂 😉 😍 🥰 😘 🤗 🤔 😅 😭 😢 😔 😤 😮 👍 👌 🙏 👏 💪 🤝 ✌️ ❤️ 💖 🌹 🎉 🎁 ✨ 🔥 ✅ ❌ ⭐ 📦 🚚 💰 🧧 ☕ 🌙 ☀️".split(" ");
  const ICONS = {
    web: '<circle cx="8" cy="8" r="6.3"/><path d="M1.7 8h12.6M8 1.7c2 2.2 2 10.4 0 12.6M8 1.7c-2 2.2-2 10.4 0 12.6"/>',
    email: '<rect x="1.8" y="3.5" width="12.4" height="9" rx="1.5"/><path d="M2.2 4.2 8 8.8l5.8-4.6"/>',
    phone: '<path d="M4.5 2h2l1 3-1.5 1a8 8 0 0 0 4 4l1-1.5 3 1v2a1.5 1.5 0 0 1-1.6 1.5A11.5 11.5 0 0 1 3 3.6 1.5 1.5 0 0 1 4.5 2z"/>',
    api: '<path d="M6 2v3M10 2v3M4.5 5h7v3a3.5 3.5 0 0 1-7 0zM8 11.5V14"/>',
  };

  const state = {
    tab: CONFIG.tabs[0],
    list: [], // summaries of the current tab, in the server's order
    listStatus: "loading", // loading | ready | error
    summaries: new Map(), // conversation id -> latest summary seen
    counts: {},
    search: "",
    openId: null,
    convs: new Map(), // conversation id -> {messages: Map(seq -> message), hasMore, loadingOlder, placeholders, customerRead}
    pending: new Map(), // client_id -> {client_id, conversation, body, attachments, private, failed}
    drafts: new Map(), // conversation id -> unsent text
    attachments: [], // uploaded images waiting in the composer
    uploading: 0,
    serverOffset: 0, // server clock minus this browser's clock, in ms
    presence: ME.presence,
    sideTab: "profile",
    customerTyping: null, // {conversation, until}
    assist: new Map(), // conversation id -> {status: loading | ready | error, data: the assist body or null}
    dismissed: new Set(), // "message:source:source_id:text" of suggestions the agent dismissed
    inserted: new Map(), // conversation id -> suggestions put into the composer and not sent yet
  };

  // ---------------------------------------------------------------- small helpers
  const escapeHtml = (text) =>
    String(text == null ? "" : text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
  const format = (template, values) => template.replace(/%\((\w+)\)s/g, (m, key) => (key in values ? values[key] : m));
  const now = () => Date.now() + state.serverOffset;
  const pad = (n) => String(n).padStart(2, "0");

  function newClientId() {
    if (window.crypto && crypto.randomUUID) return "w-" + crypto.randomUUID();
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return "w-" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function duration(ms) {
    const total = Math.max(0, Math.floor(ms / 1000));
    const h = Math.floor(total / 3600);
    const m = Math.floor((total % 3600) / 60);
    const s = total % 60;
    return h ? `${h}:${pad(m)}:${pad(s)}` : `${m}:${pad(s)}`;
  }

  function dayKey(iso) {
    const d = new Date(iso);
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  }

  function dayLabel(key) {
    const today = new Date();
    const yesterday = new Date(today.getTime() - 86400000);
    if (key === dayKey(today.toISOString())) return T.today;
    if (key === dayKey(yesterday.toISOString())) return T.yesterday;
    return key;
  }

  /** Today's times as 14:05, older ones as 11-20. */
  function shortTime(iso) {
    const key = dayKey(iso);
    return key === dayKey(new Date().toISOString()) ? clock(iso) : key.slice(5);
  }

  const clock = (iso) => {
    const d = new Date(iso);
    return `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  };

  function channelIcon(channel) {
    const path = ICONS[channel] || ICONS.web;
    const label = T["channel_" + channel] || channel;
    return `<svg viewBox="0 0 16 16" width="14" height="14" fill="none" stroke="currentColor" stroke-width="1.4" role="img" aria-label="${escapeHtml(label)}"><title>${escapeHtml(label)}</title>${path}</svg>`;
  }

  const EMOTION_EMOJI = { angry: "😠", anxious: "😟", disappointed: "😞", satisfied: "😊", neutral: "" };
  const NEGATIVE_EMOTIONS = new Set(["angry", "anxious", "disappointed"]);
  const TREND_ARROWS = { rising: "↗", falling: "↘", steady: "→" };

  function trendHtml(trend) {
    if (!TREND_ARROWS[trend]) return "";
    return `<span class="wb-trend ${escapeHtml(trend)}" title="${escapeHtml(T["trend_" + trend] || "")}">${TREND_ARROWS[trend]}</span>`;
  }

  /** A customer's emotion as a small badge: negative emotions only, unless `all` (the header shows satisfied too). */
  function emotionBadge(emotion, { trend = false, all = false } = {}) {
    if (!emotion) return "";
    if (typeof emotion === "string") return `<span class="wb-emotion" data-emotion>${escapeHtml(emotion)}</span>`;
    const code = emotion.code || "";
    if (!emotion.label || code === "neutral" || (!all && !NEGATIVE_EMOTIONS.has(code))) return "";
    const title = [T.emotion + " " + emotion.label, T["trend_" + emotion.trend] || ""].filter(Boolean).join(" · ");
    const emoji = EMOTION_EMOJI[code] ? `<span aria-hidden="true">${EMOTION_EMOJI[code]}</span>` : "";
    return (
      `<span class="wb-emotion emotion-${escapeHtml(code)}" data-emotion="${escapeHtml(code)}" title="${escapeHtml(title)}">` +
      `${emoji}${escapeHtml(emotion.label)}${trend ? trendHtml(emotion.trend) : ""}</span>`
    );
  }

  function escalatedBadge(summary) {
    return summary.escalated ? `<span class="wb-escalated" data-escalated title="${escapeHtml(T.escalated)}">${escapeHtml(T.escalated)}</span>` : "";
  }

  function waitBadge(summary) {
    if (!summary.waiting_since || summary.status === "resolved") return "";
    return `<span class="wb-wait" data-since="${escapeHtml(summary.waiting_since)}" data-target="${summary.reply_target_seconds || 0}"></span>`;
  }

  function tickWaits() {
    for (const el of $$("[data-since]")) {
      const elapsed = now() - Date.parse(el.dataset.since);
      const target = Number(el.dataset.target || 0) * 1000;
      el.textContent = (el.dataset.prefix || "") + duration(elapsed);
      el.classList.toggle("late", target > 0 && elapsed > target);
      el.classList.toggle("near", target > 0 && elapsed <= target && elapsed >= target * 0.7);
    }
    if (state.customerTyping && state.customerTyping.until < Date.now()) {
      state.customerTyping = null;
      renderTyping();
    }
  }

  function toast(text, { error = false, alert = false, title = "", onClick = null, ms = 4500 } = {}) {
    const box = document.createElement("div");
    box.className = "wb-toast" + (error ? " error" : "") + (alert ? " alert" : "") + (onClick ? " clickable" : "");
    box.setAttribute("role", error ? "alert" : "status");
    box.innerHTML = (title ? `<strong>${escapeHtml(title)}</strong>` : "") + escapeHtml(text);
    box.addEventListener("click", () => {
      box.remove();
      if (onClick) onClick();
    });
    $("#wb-toasts").appendChild(box);
    setTimeout(() => box.remove(), ms);
  }

  const composer = () => $("#wb-input");
  function focusComposer() {
    const input = composer();
    if (state.openId && input && !$("dialog[open]")) input.focus();
  }

  async function fetchJson(url, options = {}) {
    const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json", ...(options.headers || {}) }, ...options });
    if (response.status === 401) {
      location.reload(); // the session ended: the page itself sends the agent to the sign-in form
      throw new Error("unauthenticated");
    }
    let data = null;
    try {
      data = await response.json();
    } catch (_) {
      data = null;
    }
    if (!response.ok) {
      const message = (data && data.error && data.error.message) || T.load_failed;
      const error = new Error(message);
      error.status = response.status;
      throw error;
    }
    return data;
  }

  const conversationUrl = (id) => CONFIG.urls.conversation.replace(/0$/, String(id));
  /** Put a conversation id into a URL reversed with 0 (…/conversations/0/assist). */
  const withId = (url, id) => url.replace(/\/0(\/|$)/, `/${id}$1`);

  function postJson(url, body) {
    return fetchJson(url, {
      method: "POST",
      body: JSON.stringify(body),
      headers: { "Content-Type": "application/json", "X-CSRFToken": CSRF },
    });
  }
  const messagesUrl = (id) => CONFIG.urls.messages.replace(/\/0\/messages$/, `/${id}/messages`);

  // ---------------------------------------------------------------- pending (unacknowledged) messages
  function savePending() {
    try {
      sessionStorage.setItem(PENDING_KEY, JSON.stringify(Array.from(state.pending.values())));
    } catch (_) {
      /* private mode: keep them in memory only */
    }
  }

  function loadPending() {
    try {
      for (const item of JSON.parse(sessionStorage.getItem(PENDING_KEY) || "[]")) state.pending.set(item.client_id, item);
    } catch (_) {
      state.pending.clear();
    }
  }

  function ensureConv(id) {
    let conv = state.convs.get(id);
    if (!conv) {
      conv = { messages: new Map(), hasMore: false, loadingOlder: false, placeholders: {}, customerRead: 0, loaded: false };
      state.convs.set(id, conv);
    }
    return conv;
  }

  const lastSeq = (conv) => (conv.messages.size ? Math.max(...conv.messages.keys()) : 0);
  /** The seq up to which every message is held: resume after it, never after a later one held out of order. */
  function completeUpTo(conv, upTo) {
    if (upTo !== undefined && upTo > (conv.complete || 0)) conv.complete = upTo;
    while (conv.messages.has((conv.complete || 0) + 1)) conv.complete = (conv.complete || 0) + 1;
    return conv.complete || 0;
  }
  const firstSeq = (conv) => (conv.messages.size ? Math.min(...conv.messages.keys()) : 0);

  /** Store a message by seq (a seq already held is ignored); return true when it was new. */
  function addMessage(message) {
    const conv = state.convs.get(message.conversation);
    if (!conv || !conv.loaded) return false;
    if (message.client_id && state.pending.has(message.client_id)) {
      const pending = state.pending.get(message.client_id);
      if (pending.conversation === message.conversation) {
        state.pending.delete(message.client_id);
        savePending();
        pendingDone(pending, message);
      }
    }
    if (conv.messages.has(message.seq)) return false;
    conv.messages.set(message.seq, message);
    completeUpTo(conv);
    return true;
  }

  // ---------------------------------------------------------------- the WebSocket
  const socket = { ws: null, ready: false, backoff: 1000, refSeq: 0, replies: new Map(), pingTimer: null, reconnectTimer: null, everConnected: false };

  function connect() {
    clearTimeout(socket.reconnectTimer);
    if (socket.ws) {
      const old = socket.ws;
      socket.ws = null;
      try {
        old.close();
      } catch (_) {
        /* already closed */
      }
    }
    const url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + CONFIG.urls.ws;
    const ws = new WebSocket(url);
    socket.ws = ws;
    ws.addEventListener("message", (event) => {
      if (socket.ws !== ws) return;
      let frame;
      try {
        frame = JSON.parse(event.data);
      } catch (_) {
        return;
      }
      handleFrame(frame);
    });
    ws.addEventListener("close", (event) => {
      if (socket.ws !== ws) return;
      socket.ready = false;
      socket.ws = null;
      clearInterval(socket.pingTimer);
      if (event.code === 4401 || event.code === 4403) {
        location.reload(); // signed out elsewhere: the page redirects to the sign-in form
        return;
      }
      showBanner(true);
      const delay = socket.backoff;
      socket.backoff = Math.min(socket.backoff * 2, 15000);
      socket.reconnectTimer = setTimeout(connect, delay);
    });
  }

  function showBanner(visible) {
    $("#wb-banner").hidden = !visible;
  }

  function send(frame) {
    if (!socket.ready || !socket.ws || socket.ws.readyState !== WebSocket.OPEN) return false;
    socket.ws.send(JSON.stringify(frame));
    return true;
  }

  /** Send a request frame; `onReply` gets its result or error frame. */
  function request(frame, onReply) {
    const ref = "r" + ++socket.refSeq;
    frame.ref = ref;
    if (onReply) socket.replies.set(ref, onReply);
    if (!send(frame)) {
      socket.replies.delete(ref);
      toast(T.reconnecting, { error: true });
      return false;
    }
    return true;
  }

  function onWelcome(frame) {
    socket.ready = true;
    socket.backoff = 1000;
    showBanner(false);
    if (frame.server_time) state.serverOffset = Date.parse(frame.server_time) - Date.now();
    if (frame.agent && frame.agent.presence) showPresence(frame.agent.presence);
    if (state.wantedPresence && state.wantedPresence !== state.presence) presenceRequest(state.wantedPresence);
    state.wantedPresence = null;
    clearInterval(socket.pingTimer);
    socket.pingTimer = setInterval(() => send({ type: "ping" }), PING_MS);
    // Catch up first: every conversation held resumes after its last seq, then unacknowledged sends go again.
    for (const [id, conv] of state.convs) {
      if (conv.loaded) send({ type: "resume", conversation: id, after_seq: completeUpTo(conv) });
    }
    for (const pending of state.pending.values()) {
      if (!pending.failed) sendPending(pending);
    }
    if (socket.everConnected) {
      loadList();
      if (state.openId) loadAssist(state.openId); // analyses made while the socket was down
    }
    socket.everConnected = true;
  }

  function handleFrame(frame) {
    const reply = frame.ref ? socket.replies.get(frame.ref) : null;
    if (reply) socket.replies.delete(frame.ref);
    switch (frame.type) {
      case "welcome":
        onWelcome(frame);
        break;
      case "ack":
        onAck(frame);
        break;
      case "messages":
        onMessages(frame);
        break;
      case "message.created":
        onMessageCreated(frame);
        break;
      case "conversation.updated":
        onConversationUpdated(frame.conversation);
        break;
      case "typing":
        onTyping(frame);
        break;
      case "read":
        onRead(frame);
        break;
      case "notification":
        onNotification(frame);
        break;
      case "assist.updated":
        onAssistUpdated(frame);
        break;
      case "pong":
        if (frame.server_time) state.serverOffset = Date.parse(frame.server_time) - Date.now();
        break;
      case "error":
        onError(frame);
        break;
      case "result":
        break;
      default:
        if (String(frame.type || "").startsWith("queue") || String(frame.type || "").startsWith("presence")) scheduleListRefresh();
    }
    if (reply) reply(frame);
  }

  function onAck(frame) {
    const pending = state.pending.get(frame.client_id);
    state.pending.delete(frame.client_id);
    savePending();
    if (pending) pendingDone(pending, frame.message);
    if (frame.message) addMessage(frame.message);
    const id = frame.conversation || (pending && pending.conversation);
    if (id === state.openId) renderHistory();
  }

  function onMessages(frame) {
    const id = frame.conversation;
    let added = false;
    for (const message of frame.messages || []) added = addMessage(message) || added;
    const conv = state.convs.get(id);
    const received = (frame.messages || []).map((message) => message.seq);
    if (conv && conv.loaded) completeUpTo(conv, Math.max(0, ...received)); // a resume answer is complete after its after_seq
    if (conv && received.length >= 500) send({ type: "resume", conversation: id, after_seq: completeUpTo(conv) });
    if (added && id === state.openId) {
      renderHistory();
      markRead();
    }
  }

  function onMessageCreated(frame) {
    const message = frame.message;
    const id = frame.conversation || message.conversation;
    const added = addMessage(message);
    const summary = state.summaries.get(id);
    if (summary) {
      summary.last_message = { body: message.body || (message.attachments.length ? IMAGE_PREVIEW : ""), sender_kind: message.sender_kind, created_at: message.created_at };
      summary.last_seq = Math.max(summary.last_seq || 0, message.seq);
      if (message.sender_kind === "customer" && id !== state.openId) summary.unread = (summary.unread || 0) + 1;
      updateRow(summary);
    }
    if (id === state.openId) {
      if (message.sender_kind === "customer" && state.customerTyping) {
        state.customerTyping = null;
        renderTyping();
      }
      if (added) renderHistory();
      markRead();
    } else if (message.sender_kind === "customer" && !summary) {
      scheduleListRefresh();
    }
    updateTitle();
  }

  function onConversationUpdated(summary) {
    if (!summary || !summary.id) return;
    const previous = state.summaries.get(summary.id);
    if (previous && previous.last_message && previous.last_message.created_at && summary.last_message && !summary.last_message.created_at) {
      summary.last_message.created_at = previous.last_message.created_at;
    }
    if (previous && previous.customer && summary.customer && summary.customer.returning == null) {
      summary.customer.returning = previous.customer.returning; // live summaries may leave it out
    }
    state.summaries.set(summary.id, summary);
    const index = state.list.findIndex((row) => row.id === summary.id);
    if (index >= 0) {
      if (inTab(summary, state.tab) || summary.id === state.openId) state.list[index] = summary;
      else state.list.splice(index, 1);
    } else if (inTab(summary, state.tab)) {
      state.list.unshift(summary);
    }
    renderList();
    if (summary.id === state.openId) renderHeader();
    scheduleListRefresh();
    updateTitle();
  }

  function onTyping(frame) {
    if (frame.sender_kind !== "customer") return;
    state.customerTyping = frame.active ? { conversation: frame.conversation, until: Date.now() + 6000 } : null;
    renderTyping();
  }

  function onRead(frame) {
    if (frame.sender_kind !== "customer") return;
    const conv = state.convs.get(frame.conversation);
    if (!conv) return;
    conv.customerRead = Math.max(conv.customerRead, frame.seq || 0);
    if (frame.conversation === state.openId) renderHistory();
  }

  function onNotification(frame) {
    const escalation = frame.kind === "escalation"; // an upset customer: stays longer, in the alert colour
    toast(frame.body || "", {
      title: frame.title || T.new_notification,
      alert: escalation,
      onClick: frame.conversation ? () => openConversation(frame.conversation) : null,
      ms: escalation ? 15000 : 8000,
    });
    scheduleListRefresh();
  }

  function onError(frame) {
    if (frame.client_id && state.pending.has(frame.client_id)) {
      const pending = state.pending.get(frame.client_id);
      state.pending.delete(frame.client_id);
      savePending();
      // Give the text back so nothing the agent wrote is lost.
      if (pending.conversation === state.openId && !composer().value.trim()) {
        composer().value = pending.body;
        composerChanged();
      }
      else if (pending.conversation !== state.openId) state.drafts.set(pending.conversation, pending.body);
      if (pending.conversation === state.openId) renderHistory();
    }
    toast(frame.message || frame.code || T.load_failed, { error: true });
  }

  function sendPending(pending) {
    return send({
      type: "message.send",
      client_id: pending.client_id,
      conversation: pending.conversation,
      body: pending.body,
      attachments: pending.attachments,
      private: pending.private,
    });
  }

  // ---------------------------------------------------------------- presence
  function showPresence(presence) {
    state.presence = presence;
    $("#wb-presence").value = presence;
    $("#wb-presence-dot").className = "wb-dot " + presence;
  }

  // The server tells only the tab that asked; the agent's other tabs of this browser hear it here.
  const presenceChannel = "BroadcastChannel" in window ? new BroadcastChannel("kefu.workbench.presence." + ME.id) : null;
  if (presenceChannel) {
    presenceChannel.onmessage = (event) => {
      if (event.data && typeof event.data.presence === "string" && !state.wantedPresence) showPresence(event.data.presence);
    };
  }

  function presenceRequest(wanted) {
    const before = state.presence;
    return request({ type: "presence.set", presence: wanted }, (reply) => {
      if (reply.type === "result") {
        showPresence(reply.presence || wanted);
        if (presenceChannel) presenceChannel.postMessage({ presence: state.presence });
      } else showPresence(before);
      focusComposer();
    });
  }

  $("#wb-presence").addEventListener("change", (event) => {
    const wanted = event.target.value;
    $("#wb-presence-dot").className = "wb-dot " + wanted;
    // Not connected yet (or reconnecting): the choice is sent as soon as the socket is back.
    state.wantedPresence = socket.ready && presenceRequest(wanted) ? null : wanted;
  });

  // ---------------------------------------------------------------- the conversation list
  function inTab(summary, tab) {
    const active = summary.status !== "resolved";
    if (tab === "mine") return active && !!summary.assignee && summary.assignee.id === ME.id;
    if (tab === "queue") return active && !summary.assignee;
    if (tab === "teams") return active;
    return true;
  }

  // Live events update rows at once; the list and its counts are re-read from the server at most
  // every 1.5 s after them (throttled, so a busy shop cannot starve the refresh).
  let refreshTimer = null;
  function scheduleListRefresh() {
    if (refreshTimer === null) refreshTimer = setTimeout(loadList, 1500);
  }

  async function loadList() {
    clearTimeout(refreshTimer);
    refreshTimer = null;
    const tab = state.tab;
    try {
      const data = await fetchJson(`${CONFIG.urls.conversations}?tab=${encodeURIComponent(tab)}`);
      if (tab !== state.tab) return;
      state.list = data.conversations;
      for (const summary of data.conversations) {
        const previous = state.summaries.get(summary.id);
        if (previous && previous.last_message && summary.last_message && !summary.last_message.created_at) {
          summary.last_message.created_at = previous.last_message.created_at;
        }
        state.summaries.set(summary.id, summary);
      }
      state.counts = data.counts || {};
      state.listStatus = "ready";
    } catch (error) {
      if (tab !== state.tab) return;
      if (state.listStatus !== "ready") state.listStatus = "error";
    }
    renderCounts();
    renderList();
    updateTitle();
    if (state.openId) renderHeader();
  }

  function renderCounts() {
    for (const el of $$("[data-count]")) {
      const value = state.counts[el.dataset.count];
      el.textContent = value == null ? "0" : String(value);
    }
  }

  function visibleRows() {
    const q = state.search.trim().toLowerCase();
    if (!q) return state.list;
    return state.list.filter((s) => {
      if (s.id === state.openId) return true; // the open conversation stays in view while searching
      const text = [s.customer && s.customer.name, s.last_message && s.last_message.body, s.inbox && s.inbox.name, s.assignee_name, "#" + s.id]
        .join(" ")
        .toLowerCase();
      return text.includes(q);
    });
  }

  function rowHtml(s) {
    const current = s.id === state.openId;
    const customer = s.customer || {};
    const last = s.last_message || {};
    const preview = last.body === IMAGE_PREVIEW ? T.image_preview : last.body || "";
    const unread = !current && s.unread ? `<span class="wb-unread" title="${s.unread}">${s.unread > 99 ? "99+" : s.unread}</span>` : "";
    const time = waitBadge(s) || (s.last_activity_at ? `<span>${shortTime(s.last_activity_at)}</span>` : "");
    const assignee = s.assignee && s.assignee.id !== ME.id ? `<span class="wb-assignee">${escapeHtml(s.assignee.name)}</span>` : "";
    return (
      `<li class="wb-row${s.status === "resolved" ? " resolved" : ""}${s.escalated ? " escalated" : ""}" role="option" data-id="${s.id}" aria-current="${current}" aria-selected="${current}">` +
      `<span class="wb-row-icon">${channelIcon(s.inbox ? s.inbox.channel : "web")}</span>` +
      `<span class="wb-row-name"><span class="wb-name-text">${escapeHtml(customer.name || "#" + s.id)}</span>${emotionBadge(s.emotion)}${escalatedBadge(s)}` +
      `${customer.returning ? `<span class="wb-tag-returning">${escapeHtml(T.returning)}</span>` : ""}</span>` +
      `<span class="wb-row-meta">${time}${unread}</span>` +
      `<span class="wb-row-last"><span class="wb-last-text">${escapeHtml(preview)}</span>${assignee}</span>` +
      `</li>`
    );
  }

  function renderList() {
    const list = $("#wb-list");
    if (state.listStatus === "loading") {
      list.innerHTML = `<li class="wb-loading">${escapeHtml(T.loading)}</li>`;
      return;
    }
    if (state.listStatus === "error" && !state.list.length) {
      list.innerHTML = `<li class="wb-error">${escapeHtml(T.load_failed)} <button type="button" data-retry-list>${escapeHtml(T.retry)}</button></li>`;
      return;
    }
    const rows = visibleRows();
    if (!rows.length) {
      list.innerHTML = state.search.trim()
        ? `<li class="wb-empty">${escapeHtml(T.no_match)}</li>`
        : `<li class="wb-empty"><strong>${escapeHtml(T.no_conversations)}</strong>${escapeHtml(T.no_conversations_hint)}</li>`;
      return;
    }
    list.innerHTML = rows.map(rowHtml).join("");
    tickWaits();
  }

  function updateRow(summary) {
    const row = $(`#wb-list [data-id="${summary.id}"]`);
    if (!row) return;
    const template = document.createElement("template");
    template.innerHTML = rowHtml(summary);
    row.replaceWith(template.content.firstElementChild);
    tickWaits();
  }

  function updateTitle() {
    let unread = 0;
    for (const summary of state.summaries.values()) {
      if (summary.id !== state.openId && summary.assignee && summary.assignee.id === ME.id && summary.status !== "resolved") unread += summary.unread || 0;
    }
    const base = document.title.replace(/^\(\d+\)\s*/, "");
    document.title = unread ? `(${unread}) ${base}` : base;
  }

  $("#wb-list").addEventListener("click", (event) => {
    if (event.target.closest("[data-retry-list]")) {
      state.listStatus = "loading";
      renderList();
      loadList();
      return;
    }
    const row = event.target.closest(".wb-row");
    if (row) openConversation(Number(row.dataset.id));
  });

  for (const button of $$(".wb-tabs .wb-tab")) {
    button.addEventListener("click", () => selectTab(button.dataset.tab));
  }

  function selectTab(tab) {
    state.tab = tab;
    for (const button of $$(".wb-tabs .wb-tab")) button.setAttribute("aria-selected", String(button.dataset.tab === tab));
    state.list = [];
    state.listStatus = "loading";
    renderList();
    loadList();
  }

  const search = $("#wb-search");
  search.addEventListener("input", () => {
    state.search = search.value;
    renderList();
  });
  search.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      const first = visibleRows()[0];
      if (first) openConversation(first.id);
    } else if (event.key === "Escape") {
      search.value = "";
      state.search = "";
      renderList();
      focusComposer();
    }
  });

  function moveConversation(step) {
    const rows = visibleRows();
    if (!rows.length) return;
    let index = rows.findIndex((s) => s.id === state.openId);
    index = index < 0 ? (step > 0 ? 0 : rows.length - 1) : Math.min(rows.length - 1, Math.max(0, index + step));
    openConversation(rows[index].id);
    const row = $(`#wb-list [data-id="${rows[index].id}"]`);
    if (row) row.scrollIntoView({ block: "nearest" });
  }

  // ---------------------------------------------------------------- the open conversation
  let openToken = 0;

  async function openConversation(id) {
    if (!id) return;
    if (state.openId && state.openId !== id) {
      state.drafts.set(state.openId, composer().value);
      sendTyping(false);
    }
    const switching = state.openId !== id;
    state.openId = id;
    const token = ++openToken;
    $("#wb-start").hidden = true;
    $("#wb-conv").hidden = false;
    if (switching) {
      composer().value = state.drafts.get(id) || "";
      $("#wb-private").checked = false;
      updateNoteMode();
      composerChanged();
      state.attachments = [];
      renderAttachments();
      closePhrases();
      closeEmoji();
      state.customerTyping = null;
      renderTyping();
    }
    const summary = state.summaries.get(id);
    if (summary) summary.unread = 0;
    renderList();
    renderHeader();
    renderAssist();
    if (switching) loadAssist(id);
    const conv = ensureConv(id);
    if (!conv.loaded) $("#wb-history").innerHTML = `<div class="wb-loading">${escapeHtml(T.loading)}</div>`;
    else renderHistory({ toBottom: switching });
    focusComposer();
    try {
      const data = await fetchJson(conversationUrl(id));
      if (token !== openToken) return;
      conv.loaded = true;
      conv.placeholders = data.placeholders || {};
      if (!conv.messages.size) conv.hasMore = !!data.has_more;
      for (const message of data.messages) addMessage(message);
      completeUpTo(conv, Math.max(0, ...data.messages.map((message) => message.seq))); // the newest messages, without gaps
      state.summaries.set(id, data.conversation);
      // Anything written between the server's answer and now arrives by the socket or by this resume.
      send({ type: "resume", conversation: id, after_seq: completeUpTo(conv) });
      renderHeader();
      renderHistory({ toBottom: true });
      markRead();
      loadPanel(data.customer_panel_url, data.conversation.customer.id);
      updateTitle();
    } catch (error) {
      if (token !== openToken) return;
      $("#wb-history").innerHTML = `<div class="wb-error">${escapeHtml(error.message)} <button type="button" data-retry-open>${escapeHtml(T.retry)}</button></div>`;
    }
  }

  $("#wb-history").addEventListener("click", (event) => {
    if (event.target.closest("[data-retry-open]")) openConversation(state.openId);
  });

  function markRead() {
    const conv = state.convs.get(state.openId);
    if (!conv || !conv.loaded || document.visibilityState !== "visible") return;
    const seq = lastSeq(conv);
    if (seq && seq > (conv.sentRead || 0)) {
      conv.sentRead = seq;
      send({ type: "read", conversation: state.openId, seq });
    }
    const summary = state.summaries.get(state.openId);
    if (summary && summary.unread) {
      summary.unread = 0;
      updateRow(summary);
    }
  }
  document.addEventListener("visibilitychange", markRead);

  function renderHeader() {
    const s = state.summaries.get(state.openId);
    if (!s) return;
    const customer = s.customer || {};
    $("#wb-head-name").textContent = customer.name || "#" + s.id;
    const parts = [`<span>${channelIcon(s.inbox ? s.inbox.channel : "web")} ${escapeHtml(s.inbox ? s.inbox.name : "")}</span>`];
    if (customer.returning) parts.push(`<span class="wb-tag-returning">${escapeHtml(T.returning)}</span>`);
    if (customer.value_level === "high") parts.push(`<span class="wb-tag-value">${escapeHtml(T.high_value)}</span>`);
    if (s.escalated) parts.push(escalatedBadge(s));
    const emotion = emotionBadge(s.emotion, { trend: true, all: true });
    if (emotion) parts.push(emotion);
    if (s.stage && s.stage.label) parts.push(`<span class="wb-stage" data-stage="${escapeHtml(s.stage.code || "")}" title="${escapeHtml(T.stage)}">${escapeHtml(T.stage)} ${escapeHtml(s.stage.label)}</span>`);
    parts.push(`<span class="status status-${escapeHtml(s.status)}">${escapeHtml(T["status_" + s.status] || s.status)}</span>`);
    if (s.assignee) parts.push(`<span>${escapeHtml(format(T.assigned_to, { name: s.assignee.name }))}</span>`);
    else if (s.assignee_kind === "bot") parts.push(`<span>${escapeHtml(T.bot_answering)}</span>`);
    else parts.push(`<span>${escapeHtml(T.unassigned)}</span>`);
    if (s.team) parts.push(`<span>${escapeHtml(s.team.name)}</span>`);
    if (s.waiting_since && s.status !== "resolved") {
      parts.push(`<span class="wb-wait" data-prefix="${escapeHtml(T.waiting)} " data-since="${escapeHtml(s.waiting_since)}" data-target="${s.reply_target_seconds || 0}"></span>`);
    }
    $("#wb-head-sub").innerHTML = parts.join('<span class="wb-sep">·</span>');
    const resolved = s.status === "resolved";
    const mine = s.assignee && s.assignee.id === ME.id;
    const show = (action, visible) => {
      $(`[data-action="${action}"]`).hidden = !visible;
    };
    // The server refuses these to an agent when a colleague serves the conversation (supervisors may transfer and resolve).
    const mayAct = !s.assignee || mine || ME.supervisor;
    show("claim", !resolved && !s.assignee);
    show("transfer", !resolved && mayAct);
    show("resolve", !resolved && mayAct);
    show("reopen", resolved);
    show("converted", s.conversion !== "converted");
    show("lost", s.conversion !== "not_converted");
    const badge = $("#wb-conversion");
    badge.hidden = !s.conversion;
    badge.className = "wb-conversion " + (s.conversion || "");
    if (s.conversion === "converted") badge.textContent = T.converted;
    else if (s.conversion === "not_converted") {
      const reason = CONFIG.lost_reasons.find((r) => r.value === s.lost_reason);
      badge.textContent = T.not_converted + (reason ? ` · ${reason.label}` : "");
    }
    tickWaits();
  }

  function attachmentsHtml(attachments) {
    if (!attachments || !attachments.length) return "";
    const items = attachments.map((a) =>
      String(a.content_type || "").startsWith("image/")
        ? `<a href="${escapeHtml(a.url)}" target="_blank" rel="noopener"><img src="${escapeHtml(a.url)}" alt="${escapeHtml(a.name || "")}" loading="lazy"></a>`
        : `<a class="wb-file" href="${escapeHtml(a.url)}" target="_blank" rel="noopener">${escapeHtml(a.name || a.url)}</a>`
    );
    return `<div class="wb-images">${items.join("")}</div>`;
  }

  function messageHtml(m, stateText) {
    if (m.sender_kind === "system") {
      const label = m.is_private ? `<span class="wb-note-label">${escapeHtml(T.note)}</span> ` : "";
      return `<div class="wb-system${m.is_private ? " private" : ""}" data-seq="${m.seq}">${label}${escapeHtml(m.body)} · ${clock(m.created_at)}</div>`;
    }
    const out = m.sender_kind === "agent" || m.sender_kind === "bot" || m.is_private;
    const classes = ["wb-msg", out ? "mine" : "", m.sender_kind === "bot" ? "bot" : "", m.is_private ? "note" : ""].join(" ");
    const who = m.sender_kind === "bot" ? `<span class="wb-who-bot">${escapeHtml(T.bot)}</span>` : "";
    const note = m.is_private ? `<span class="wb-note-label">${escapeHtml(T.note)}</span>` : "";
    const body = m.body
      ? `<div class="wb-bubble">${escapeHtml(m.body)}${attachmentsHtml(m.attachments)}</div>`
      : `<div class="wb-bubble image-only">${attachmentsHtml(m.attachments)}</div>`;
    return (
      `<div class="${classes}" data-seq="${m.seq || ""}" data-kind="${escapeHtml(m.sender_kind)}">` +
      `<div class="wb-msg-meta">${note}${who}<span>${escapeHtml(m.sender_name || "")}</span><span>${m.created_at ? clock(m.created_at) : ""}</span></div>` +
      body +
      (stateText ? `<div class="wb-msg-state">${escapeHtml(stateText)}</div>` : "") +
      `</div>`
    );
  }

  function historyHtml(messages, conv, pendings) {
    let html = "";
    let lastDay = null;
    let lastPublicAgentSeq = 0;
    for (const m of messages) if (m.sender_kind === "agent" && !m.is_private) lastPublicAgentSeq = m.seq;
    for (const m of messages) {
      const day = dayKey(m.created_at);
      if (day !== lastDay) {
        html += `<div class="wb-day">${escapeHtml(dayLabel(day))}</div>`;
        lastDay = day;
      }
      let stateText = "";
      if (conv && m.seq === lastPublicAgentSeq) stateText = conv.customerRead >= m.seq ? T.read : T.sent;
      html += messageHtml(m, stateText);
    }
    for (const p of pendings || []) {
      html += messageHtml(
        { seq: "", sender_kind: "agent", sender_name: ME.name, body: p.body, attachments: p.attachments, is_private: p.private, created_at: null },
        T.sending
      ).replace('class="wb-msg ', 'class="wb-msg pending ');
    }
    return html;
  }

  function renderHistory({ toBottom = false, keepTop = false } = {}) {
    const conv = state.convs.get(state.openId);
    const el = $("#wb-history");
    if (!conv || !conv.loaded) return;
    const atBottom = el.scrollHeight - el.scrollTop - el.clientHeight < 80;
    const previousHeight = el.scrollHeight;
    const previousTop = el.scrollTop;
    const messages = Array.from(conv.messages.values()).sort((a, b) => a.seq - b.seq);
    const pendings = Array.from(state.pending.values()).filter((p) => p.conversation === state.openId);
    const top = conv.loadingOlder ? T.older : conv.hasMore ? "" : T.no_older;
    el.innerHTML = (top ? `<div class="wb-older">${escapeHtml(top)}</div>` : "") + historyHtml(messages, conv, pendings);
    if (keepTop) el.scrollTop = el.scrollHeight - previousHeight + previousTop;
    else if (toBottom || atBottom) el.scrollTop = el.scrollHeight;
  }

  async function loadOlder() {
    const id = state.openId;
    const conv = state.convs.get(id);
    if (!conv || !conv.loaded || !conv.hasMore || conv.loadingOlder) return;
    conv.loadingOlder = true;
    renderHistory({ keepTop: true });
    try {
      const data = await fetchJson(`${messagesUrl(id)}?before_seq=${firstSeq(conv)}`);
      for (const message of data.messages) addMessage(message);
      conv.hasMore = !!data.has_more;
    } catch (error) {
      toast(error.message, { error: true });
    }
    conv.loadingOlder = false;
    if (id === state.openId) renderHistory({ keepTop: true });
  }

  $("#wb-history").addEventListener("scroll", (event) => {
    if (event.target.scrollTop < 60) loadOlder();
  });

  function renderTyping() {
    const typing = state.customerTyping;
    $("#wb-typing").textContent = typing && typing.conversation === state.openId ? T.typing : "";
  }

  // ---------------------------------------------------------------- the composer
  /** Send the composer's reply; a public reply with flagged wording is confirmed first (re-checked when the last check is stale). */
  async function sendComposer() {
    const id = state.openId;
    if (!id || guard.busy) return;
    const value = composer().value;
    const body = value.trim();
    if (state.uploading) {
      toast(T.uploading);
      return;
    }
    if (!body && !state.attachments.length) return;
    if (body && guardActive()) {
      let flags = guardKnownFlags(value);
      if (flags === null) {
        guard.busy = true;
        setSendHint(T.guard_checking);
        try {
          flags = await guardFlagsOf(value);
        } catch (_) {
          flags = []; // the guard is down: the reply still goes, as it would without the guard
        }
        guard.busy = false;
        setSendHint("");
        if (state.openId !== id || composer().value !== value) return; // the agent moved on meanwhile
      }
      if (flags.length) {
        closePhrases();
        openGuardConfirm(value, body, flags);
        return;
      }
    }
    dispatchSend({});
  }

  const sendHint = $("#wb-send-hint");
  const sendHintDefault = sendHint.textContent;
  function setSendHint(text) {
    sendHint.textContent = text || sendHintDefault;
    $("#wb-send").disabled = !!text;
  }

  function dispatchSend({ guardText = "" } = {}) {
    const id = state.openId;
    const input = composer();
    const body = input.value.trim();
    const pending = {
      client_id: newClientId(),
      conversation: id,
      body,
      attachments: state.attachments.slice(),
      private: $("#wb-private").checked,
    };
    const inserted = state.inserted.get(id);
    if (inserted && inserted.length && !pending.private) pending.suggestions = inserted; // feedback once acknowledged
    if (guardText) pending.guard = guardText; // "sent anyway": recorded with the message's id once acknowledged
    state.inserted.delete(id);
    state.pending.set(pending.client_id, pending);
    savePending();
    sendPending(pending); // when offline it stays pending and goes after the reconnect
    input.value = "";
    state.drafts.delete(id);
    state.attachments = [];
    renderAttachments();
    closePhrases();
    sendTyping(false);
    composerChanged();
    renderHistory({ toBottom: true });
    focusComposer();
  }

  /** A reply of ours was acknowledged (by its ack or by its own message.created, whichever came first). */
  function pendingDone(pending, message) {
    suggestionFeedbackSent(pending, message);
    if (pending.guard) guardDecision(pending.conversation, pending.guard, "sent", message && message.id);
  }

  const typingState = { sentAt: 0, active: false, idleTimer: null };
  function sendTyping(active) {
    clearTimeout(typingState.idleTimer);
    if (!state.openId) return;
    if (active) {
      if (!typingState.active || Date.now() - typingState.sentAt > 3000) {
        send({ type: "typing", conversation: state.openId, active: true });
        typingState.sentAt = Date.now();
        typingState.active = true;
      }
      typingState.idleTimer = setTimeout(() => sendTyping(false), 4000);
    } else if (typingState.active) {
      send({ type: "typing", conversation: state.openId, active: false });
      typingState.active = false;
    }
  }

  function updateNoteMode() {
    $("#wb-composer").classList.toggle("note-mode", $("#wb-private").checked);
  }
  $("#wb-private").addEventListener("change", () => {
    updateNoteMode();
    composerChanged();
    focusComposer();
  });

  $("#wb-send").addEventListener("click", sendComposer);

  composer().addEventListener("keydown", (event) => {
    if (!$("#wb-phrases").hidden && phraseKey(event)) return;
    if (event.key === "Enter" && !event.shiftKey && !event.altKey && !event.ctrlKey && !event.metaKey && !event.isComposing) {
      event.preventDefault();
      sendComposer();
    }
  });

  composer().addEventListener("input", () => {
    composerChanged();
    updatePhrasePicker();
    if (!$("#wb-private").checked && composer().value.trim()) sendTyping(true);
  });
  composer().addEventListener("click", updatePhrasePicker);

  composer().addEventListener("paste", (event) => {
    const files = Array.from((event.clipboardData && event.clipboardData.files) || []).filter((f) => f.type.startsWith("image/"));
    if (files.length) {
      event.preventDefault();
      files.forEach(uploadImage);
    }
  });

  // images
  function renderAttachments() {
    const box = $("#wb-attach");
    const items = state.attachments.map(
      (a, i) => `<span><img src="${escapeHtml(a.url)}" alt="">${escapeHtml(a.name)}<button type="button" data-remove-attachment="${i}" aria-label="${escapeHtml(T.remove)}">×</button></span>`
    );
    if (state.uploading) items.push(`<span>${escapeHtml(T.uploading)}</span>`);
    box.innerHTML = items.join("");
    box.hidden = !items.length;
  }

  $("#wb-attach").addEventListener("click", (event) => {
    const button = event.target.closest("[data-remove-attachment]");
    if (!button) return;
    state.attachments.splice(Number(button.dataset.removeAttachment), 1);
    renderAttachments();
    focusComposer();
  });

  async function uploadImage(file) {
    state.uploading += 1;
    renderAttachments();
    const form = new FormData();
    form.append("file", file);
    try {
      const attachment = await fetchJson(CONFIG.urls.upload, { method: "POST", body: form, headers: { "X-CSRFToken": CSRF } });
      if (state.attachments.length < 4) state.attachments.push(attachment);
    } catch (error) {
      toast(error.message || T.upload_failed, { error: true });
    }
    state.uploading -= 1;
    renderAttachments();
    focusComposer();
  }

  $("#wb-file").addEventListener("change", (event) => {
    Array.from(event.target.files || []).forEach(uploadImage);
    event.target.value = "";
  });

  // emoji
  const emojiBox = $("#wb-emoji");
  emojiBox.innerHTML = EMOJI.map((e) => `<button type="button" data-emoji="${e}">${e}</button>`).join("");
  function closeEmoji() {
    emojiBox.hidden = true;
  }
  emojiBox.addEventListener("click", (event) => {
    const button = event.target.closest("[data-emoji]");
    if (!button) return;
    insertAtCursor(button.dataset.emoji);
    closeEmoji();
  });

  function insertAtCursor(text) {
    const input = composer();
    const start = input.selectionStart ?? input.value.length;
    const end = input.selectionEnd ?? input.value.length;
    input.setRangeText(text, start, end, "end");
    input.focus();
    composerChanged();
  }

  $(".wb-tools").addEventListener("click", (event) => {
    const tool = event.target.closest("[data-tool]");
    if (!tool) return;
    if (tool.dataset.tool === "emoji") {
      closePhrases();
      emojiBox.hidden = !emojiBox.hidden;
      if (emojiBox.hidden) focusComposer();
    } else if (tool.dataset.tool === "image") {
      $("#wb-file").click();
    } else if (tool.dataset.tool === "phrases") {
      closeEmoji();
      const input = composer();
      const before = input.value.slice(0, input.selectionStart ?? input.value.length);
      insertAtCursor(before && !/\s$/.test(before) ? " /" : "/");
      updatePhrasePicker();
    }
  });

  // ---------------------------------------------------------------- quick phrases ("/")
  const phraseBox = $("#wb-phrases");
  const phraseState = { start: -1, matches: [], index: 0 };

  function phraseToken() {
    const input = composer();
    const cursor = input.selectionStart ?? input.value.length;
    const before = input.value.slice(0, cursor);
    const match = /(^|\s)\/([^\s/]*)$/.exec(before);
    if (!match) return null;
    return { start: cursor - match[2].length - 1, query: match[2] };
  }

  function phraseMatches(query) {
    const q = query.toLowerCase();
    const results = [];
    for (const group of PHRASE_STAGES) {
      for (const phrase of group.phrases) {
        const shortcut = phrase.shortcut.toLowerCase();
        let rank = -1;
        if (!q) rank = 2;
        else if (shortcut === q) rank = 0;
        else if (shortcut.startsWith(q)) rank = 1;
        else if (shortcut.includes(q) || phrase.title.toLowerCase().includes(q)) rank = 2;
        else if (phrase.body.toLowerCase().includes(q)) rank = 3;
        if (rank >= 0) results.push({ ...phrase, stage: group.stage, stageLabel: group.label, rank });
      }
    }
    // Best matches first (exact shortcut, then prefix, then words), each rank in the stages' order.
    const stageOrder = PHRASE_STAGES.map((g) => g.stage);
    results.forEach((r, i) => (r.position = i));
    results.sort((a, b) => a.rank - b.rank || stageOrder.indexOf(a.stage) - stageOrder.indexOf(b.stage) || a.position - b.position);
    return results;
  }

  function updatePhrasePicker() {
    const token = phraseToken();
    if (!token) {
      closePhrases();
      return;
    }
    closeEmoji();
    phraseState.start = token.start;
    phraseState.matches = phraseMatches(token.query);
    phraseState.index = 0;
    renderPhrases();
  }

  function renderPhrases() {
    phraseBox.hidden = false;
    if (!phraseState.matches.length) {
      phraseBox.innerHTML = `<div class="wb-picker-empty">${escapeHtml(T.no_phrase)}</div>`;
      return;
    }
    let html = "";
    let group = null;
    phraseState.matches.forEach((p, i) => {
      if (p.stage !== group) {
        html += `<div class="wb-picker-group">${escapeHtml(p.stageLabel)}</div>`;
        group = p.stage;
      }
      html +=
        `<div class="wb-phrase" role="option" id="wb-phrase-${i}" data-index="${i}" data-shortcut="${escapeHtml(p.shortcut)}" aria-selected="${i === phraseState.index}">` +
        `<code>/${escapeHtml(p.shortcut)}</code><span class="wb-phrase-title">${escapeHtml(p.title)}</span><span class="wb-phrase-body">${escapeHtml(fillPlaceholders(p.body))}</span></div>`;
    });
    phraseBox.innerHTML = html;
    const selected = $(`#wb-phrase-${phraseState.index}`);
    if (selected) selected.scrollIntoView({ block: "nearest" });
  }

  function closePhrases() {
    phraseBox.hidden = true;
    phraseState.matches = [];
  }

  function fillPlaceholders(body) {
    const conv = state.convs.get(state.openId);
    const values = { ...((conv && conv.placeholders) || {}), agent: ME.name };
    return body.replace(/\{(\w+)\}/g, (match, key) => (values[key] ? values[key] : match));
  }

  function insertPhrase(index) {
    const phrase = phraseState.matches[index];
    if (!phrase) return;
    const input = composer();
    const cursor = input.selectionStart ?? input.value.length;
    input.setRangeText(fillPlaceholders(phrase.body), phraseState.start, cursor, "end");
    composerChanged();
    closePhrases();
    input.focus();
    sendTyping(true);
  }

  /** Handle a key while the picker is open; return true when the picker used it. */
  function phraseKey(event) {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      const n = phraseState.matches.length;
      if (n) phraseState.index = (phraseState.index + (event.key === "ArrowDown" ? 1 : -1) + n) % n;
      renderPhrases();
      return true;
    }
    if ((event.key === "Enter" || event.key === "Tab") && phraseState.matches.length && !event.isComposing) {
      event.preventDefault();
      insertPhrase(phraseState.index);
      return true;
    }
    if (event.key === "Escape") {
      event.preventDefault();
      closePhrases();
      return true;
    }
    return false;
  }

  phraseBox.addEventListener("mousedown", (event) => {
    const row = event.target.closest(".wb-phrase");
    if (!row) return;
    event.preventDefault(); // keep the textarea's cursor
    insertPhrase(Number(row.dataset.index));
  });

  // ---------------------------------------------------------------- actions on the conversation
  function act(frame, doneText) {
    const id = state.openId;
    if (!id) return;
    request({ ...frame, conversation: id }, (reply) => {
      if (reply.type === "result" && doneText) toast(doneText);
      if (reply.type === "result" && reply.conversation && reply.conversation.id) onConversationUpdated(reply.conversation);
      focusComposer();
    });
    focusComposer();
  }

  const actions = {
    claim: () => act({ type: "conversation.claim" }, T.claimed),
    transfer: () => openTransfer(),
    resolve: () => act({ type: "conversation.resolve" }, T.resolved),
    reopen: () => act({ type: "conversation.reopen" }, T.reopened),
    converted: () => act({ type: "conversation.conversion", converted: true }, T.converted_done),
    lost: () => {
      if (state.openId) $("#wb-lost").showModal();
    },
  };

  $(".wb-actions").addEventListener("click", (event) => {
    const button = event.target.closest("[data-action]");
    if (button && actions[button.dataset.action]) actions[button.dataset.action]();
  });

  function actionAvailable(name) {
    const button = $(`[data-action="${name}"]`);
    return state.openId && button && !button.hidden;
  }

  $("#wb-lost-form").addEventListener("submit", () => {
    act({ type: "conversation.conversion", converted: false, reason: $("#wb-lost-reason").value }, T.lost_done);
  });

  // transfer dialog
  async function openTransfer() {
    if (!state.openId) return;
    const dialog = $("#wb-transfer");
    const box = $("#wb-targets");
    box.innerHTML = `<div class="wb-loading">${escapeHtml(T.loading)}</div>`;
    $("#wb-transfer-note").value = "";
    dialog.showModal();
    try {
      const data = await fetchJson(CONFIG.urls.transfer_targets);
      const agents = (data.agents || []).filter((a) => a.id !== ME.id);
      let html = "";
      if (agents.length) {
        html += `<div class="wb-target-group">${escapeHtml(T.agents)}</div>`;
        html += agents
          .map(
            (a) =>
              `<label class="wb-target"><input type="radio" name="target" value="agent:${a.id}"><span class="wb-dot ${escapeHtml(a.presence)}"></span>` +
              `<span class="wb-target-name">${escapeHtml(a.name)} <span class="muted small">${escapeHtml((a.teams || []).map((t) => (typeof t === "string" ? t : t.name)).join(" "))}</span></span>` +
              `<span class="wb-target-load">${escapeHtml(T["presence_" + a.presence] || a.presence)} · ${escapeHtml(format(T.open_of, { open: a.open_count, capacity: a.capacity }))}</span></label>`
          )
          .join("");
      }
      const teams = data.teams || [];
      if (teams.length) {
        html += `<div class="wb-target-group">${escapeHtml(T.teams)}</div>`;
        html += teams
          .map((t) => {
            const extra = t.queued != null ? format(T.queued_count, { count: t.queued }) : "";
            return `<label class="wb-target"><input type="radio" name="target" value="team:${t.id}"><span class="wb-target-name">${escapeHtml(t.name)}</span><span class="wb-target-load">${escapeHtml(extra)}</span></label>`;
          })
          .join("");
      }
      box.innerHTML = html || `<div class="wb-empty">${escapeHtml(T.pick_target)}</div>`;
    } catch (error) {
      box.innerHTML = `<div class="wb-error">${escapeHtml(error.message)}</div>`;
    }
  }

  $("#wb-transfer-form").addEventListener("submit", (event) => {
    const chosen = $("#wb-targets input[name=target]:checked");
    if (!chosen) {
      event.preventDefault();
      toast(T.pick_target, { error: true });
      return;
    }
    const [kind, id] = chosen.value.split(":");
    const frame = { type: "conversation.transfer", note: $("#wb-transfer-note").value.trim() };
    frame[kind === "agent" ? "to_agent" : "to_team"] = Number(id);
    act(frame, T.transferred);
  });

  for (const dialog of $$("dialog.wb-dialog")) {
    dialog.addEventListener("click", (event) => {
      if (event.target.closest("[data-close]")) dialog.close();
    });
    dialog.addEventListener("close", () => setTimeout(focusComposer, 0));
  }

  // ---------------------------------------------------------------- the customer panel (right column)
  let panelToken = 0;
  async function loadPanel(url, customerId) {
    const side = $("#wb-side");
    const token = ++panelToken;
    if (!side.querySelector(`[data-customer="${customerId}"]`)) side.innerHTML = `<div class="wb-loading">${escapeHtml(T.loading)}</div>`;
    try {
      const response = await fetch(url, { credentials: "same-origin" });
      if (response.status === 401) {
        location.reload();
        return;
      }
      if (!response.ok) throw new Error(T.load_failed);
      const html = await response.text();
      if (token !== panelToken) return;
      side.innerHTML = html;
      if (window.htmx) htmx.process(side);
      selectSideTab(state.sideTab);
      renderAssist();
    } catch (error) {
      if (token === panelToken) side.innerHTML = `<div class="wb-error">${escapeHtml(error.message)}</div>`;
    }
  }

  function selectSideTab(name) {
    const side = $("#wb-side");
    if (!side.querySelector(`[data-side-tab="${name}"]`)) name = "profile";
    state.sideTab = name;
    for (const tab of $$("[data-side-tab]", side)) tab.setAttribute("aria-selected", String(tab.dataset.sideTab === name));
    for (const pane of $$("[data-side-pane]", side)) pane.hidden = pane.dataset.sidePane !== name;
  }

  $("#wb-side").addEventListener("click", (event) => {
    const tab = event.target.closest("[data-side-tab]");
    if (tab) {
      selectSideTab(tab.dataset.sideTab);
      return;
    }
    const past = event.target.closest("[data-readonly]");
    if (past) showReadonly(Number(past.dataset.readonly), past.dataset.title || "");
  });

  async function showReadonly(id, title) {
    const dialog = $("#wb-readonly");
    $("#wb-readonly-title").textContent = title;
    const body = $("#wb-readonly-body");
    body.innerHTML = `<div class="wb-loading">${escapeHtml(T.loading)}</div>`;
    dialog.showModal();
    try {
      const data = await fetchJson(conversationUrl(id));
      body.innerHTML = historyHtml(data.messages, null, []) || `<div class="wb-empty">${escapeHtml(T.no_conversations)}</div>`;
      body.scrollTop = body.scrollHeight;
    } catch (error) {
      body.innerHTML = `<div class="wb-error">${escapeHtml(error.message)}</div>`;
    }
  }

  if (window.htmx) {
    // Invalid input comes back as 400 with the form and its error: show it.
    htmx.config.responseHandling = [
      { code: "204", swap: false },
      { code: "[23]..", swap: true },
      { code: "400", swap: true, error: false },
      { code: "[45]..", swap: false, error: true },
    ];
  }
  document.body.addEventListener("htmx:afterSwap", (event) => {
    if (event.target.closest && event.target.closest("#wb-side")) focusComposer();
  });
  document.body.addEventListener("htmx:responseError", () => toast(T.load_failed, { error: true }));

  // ---------------------------------------------------------------- the assist tab (智能辅助)
  // Filled from the assist endpoint when a conversation opens and from "assist.updated" live; drawn
  // into the customer panel's assist pane, which is re-rendered after every reload of that panel.
  const ASSIST_ON = !!CONFIG.urls.assist;
  let assistToken = 0;

  async function loadAssist(id) {
    if (!ASSIST_ON) return;
    const token = ++assistToken;
    const held = state.assist.get(id);
    if (!held || !held.data) state.assist.set(id, { status: "loading", data: null });
    renderAssist();
    try {
      const data = await fetchJson(withId(CONFIG.urls.assist, id));
      // A live update may have come while this was on its way: keep whichever analysed the later message.
      const now = state.assist.get(id);
      if (!(now && now.data && assistSeq(now.data) > assistSeq(data))) state.assist.set(id, { status: "ready", data });
    } catch (error) {
      const now = state.assist.get(id);
      if (!now || !now.data) state.assist.set(id, { status: "error", data: null, message: error.message });
    }
    if (token === assistToken && id === state.openId) renderAssist();
  }

  const assistSeq = (data) => (data && data.message ? data.message.seq || 0 : 0);

  function onAssistUpdated(frame) {
    const id = frame.conversation;
    const data = frame.assist;
    if (!id || !data) return;
    const held = state.assist.get(id);
    if (held && held.data && assistSeq(held.data) > assistSeq(data)) return; // an older analysis arriving late
    state.assist.set(id, { status: "ready", data });
    const summary = state.summaries.get(id);
    if (summary && data.emotion) {
      summary.emotion = { code: data.emotion.code, label: data.emotion.label, intensity: data.emotion.intensity, trend: data.emotion.trend };
      if (data.stage !== undefined) summary.stage = data.stage;
      if (data.escalated !== undefined) summary.escalated = data.escalated;
      updateRow(summary);
      if (id === state.openId) renderHeader();
    }
    if (id === state.openId) renderAssist();
  }

  const suggestionKey = (data, s) => [data.message ? data.message.id : "", s.source, s.source_id == null ? "" : s.source_id, s.text].join("\u0001");

  /** The suggestions still offered for the open conversation (dismissed ones left out), at most five. */
  function visibleSuggestions() {
    const held = state.assist.get(state.openId);
    if (!held || !held.data) return [];
    return (held.data.suggestions || []).filter((s) => !state.dismissed.has(suggestionKey(held.data, s))).slice(0, 5);
  }

  function emotionSection(emotion, history) {
    const code = escapeHtml(emotion.code || "neutral");
    const percent = Math.round(Math.max(0, Math.min(1, Number(emotion.intensity) || 0)) * 100);
    const emoji = EMOTION_EMOJI[emotion.code] ? `<span aria-hidden="true">${EMOTION_EMOJI[emotion.code]}</span>` : "";
    let html =
      `<div class="wb-assist-emotion emotion-${code}" data-assist-emotion="${code}">` +
      `<span class="wb-assist-k">${escapeHtml(T.emotion)}</span>` +
      `<span class="wb-emo-label">${emoji}${escapeHtml(emotion.label || "")}</span>${trendHtml(emotion.trend)}` +
      (emotion.code === "neutral"
        ? ""
        : `<span class="wb-intensity" role="meter" aria-valuemin="0" aria-valuemax="100" aria-valuenow="${percent}" aria-label="${escapeHtml(T.intensity)}" title="${escapeHtml(T.intensity)} ${percent}/100">` +
          `<span style="width:${percent}%"></span></span>`) +
      `</div>`;
    const cues = customerCues(emotion.cues);
    if (cues.length) {
      html += `<div class="wb-cues"><span class="wb-assist-k">${escapeHtml(T.cues)}</span>${cues.map((c) => `<q>${escapeHtml(c)}</q>`).join("")}</div>`;
    }
    if (history && history.length > 1) {
      const bars = history
        .map((h) => {
          const height = 4 + Math.round(Math.max(0, Math.min(1, Number(h.intensity) || 0)) * 14);
          return `<span class="emotion-${escapeHtml(h.code || "neutral")}" style="height:${height}px" title="#${escapeHtml(h.seq)} ${escapeHtml(h.label || "")}"></span>`;
        })
        .join("");
      html += `<div class="wb-emo-trend"><span class="wb-assist-k">${escapeHtml(T.trend)}</span><span class="wb-emo-strip" title="${escapeHtml(T.recent_emotions)}" aria-label="${escapeHtml(T.recent_emotions)}">${bars}</span></div>`;
    }
    return html;
  }

  /** The words of the customer's that the reading rests on ("lexicon:催了好几次" -> 催了好几次); the classifier's own markers are left out. */
  function customerCues(cues) {
    const shown = [];
    for (const cue of cues || []) {
      const match = /^(lexicon|degree|negation|punctuation|emoticon):(.+)$/.exec(String(cue));
      if (match && !shown.includes(match[2])) shown.push(match[2]);
    }
    return shown.slice(0, 6);
  }

  function suggestionHtml(s, i) {
    const title = s.title && s.title !== s.text ? `<span class="wb-sugg-title">${escapeHtml(s.title)}</span>` : "";
    return (
      `<li class="wb-suggestion" data-suggestion="${i}" data-source="${escapeHtml(s.source || "")}">` +
      `<button type="button" class="wb-sugg-use" data-use-suggestion="${i}" title="${escapeHtml(format(T.insert_suggestion, { n: i + 1 }))}">` +
      `<kbd class="wb-sugg-n">${i + 1}</kbd><span class="wb-sugg-text">${escapeHtml(fillPlaceholders(s.text || ""))}</span></button>` +
      `<span class="wb-sugg-foot"><span class="wb-src src-${escapeHtml(s.source || "")}">${escapeHtml(s.source_label || s.source || "")}</span>${title}` +
      `<button type="button" class="wb-sugg-x" data-dismiss-suggestion="${i}" title="${escapeHtml(T.dismiss)}" aria-label="${escapeHtml(T.dismiss)} ${i + 1}">✕</button></span>` +
      `</li>`
    );
  }

  function renderAssist() {
    const tab = $('#wb-side [data-side-tab="assist"]');
    if (tab && !ASSIST_ON) tab.hidden = true;
    const box = $("#wb-assist");
    if (!box || !ASSIST_ON) return;
    const held = state.openId ? state.assist.get(state.openId) : null;
    const suggestions = visibleSuggestions();
    const count = $("[data-assist-count]", tab || document);
    if (count) {
      count.textContent = String(suggestions.length);
      count.hidden = !suggestions.length;
    }
    if (!held || held.status === "loading") {
      box.innerHTML = `<div class="wb-loading">${escapeHtml(T.loading)}</div>`;
      return;
    }
    if (held.status === "error") {
      box.innerHTML = `<div class="wb-error">${escapeHtml(held.message || T.load_failed)} <button type="button" data-retry-assist>${escapeHtml(T.retry)}</button></div>`;
      return;
    }
    const data = held.data || {};
    if (!data.message && !data.emotion && !suggestions.length) {
      box.innerHTML = `<div class="wb-empty"><strong>${escapeHtml(T.assist_empty)}</strong>${escapeHtml(T.assist_empty_hint)}</div>`;
      return;
    }
    let html = "";
    if (data.emotion) html += emotionSection(data.emotion, data.history || []);
    const facts = [];
    if (data.stage) facts.push(`<dt>${escapeHtml(T.stage)}</dt><dd data-assist-stage="${escapeHtml(data.stage.code || "")}">${escapeHtml(data.stage.label)}</dd>`);
    if (data.objection) facts.push(`<dt>${escapeHtml(T.objection)}</dt><dd data-assist-objection="${escapeHtml(data.objection.code || "")}">${escapeHtml(data.objection.label)}</dd>`);
    if (data.escalated) facts.push(`<dt></dt><dd>${escalatedBadge(data)}</dd>`);
    if (facts.length) html += `<dl class="wb-assist-facts">${facts.join("")}</dl>`;
    html += `<div class="wb-section">${escapeHtml(T.suggestions)}<span class="wb-section-hint">Alt+1…${Math.max(1, suggestions.length)}</span></div>`;
    html += suggestions.length
      ? `<ol class="wb-suggestions">${suggestions.map(suggestionHtml).join("")}</ol>`
      : `<div class="wb-assist-none">${escapeHtml(T.no_suggestions)}</div>`;
    if (data.message && data.message.body) {
      html += `<div class="wb-assist-about"><span class="wb-assist-k">${escapeHtml(T.analysed_message)}</span><span>${escapeHtml(data.message.body)}</span></div>`;
    }
    box.innerHTML = html;
  }

  /** Put suggestion `index` (0-based, of the visible ones) into the composer: set it when empty, else insert at the cursor. */
  function useSuggestion(index) {
    if ($("dialog[open]")) return false;
    const id = state.openId;
    const held = state.assist.get(id);
    const suggestion = visibleSuggestions()[index];
    if (!id || !held || !suggestion) return false;
    const input = composer();
    const text = fillPlaceholders(suggestion.text || "");
    if (!input.value.trim()) {
      input.value = text;
      input.setSelectionRange(text.length, text.length);
      input.focus();
    } else {
      insertAtCursor(text);
    }
    const inserted = state.inserted.get(id) || [];
    inserted.push({ message: held.data.message ? held.data.message.id : null, source: suggestion.source, source_id: suggestion.source_id, suggested: text });
    state.inserted.set(id, inserted.slice(-5));
    composerChanged();
    return true;
  }

  function dismissSuggestion(index) {
    const id = state.openId;
    const held = state.assist.get(id);
    const suggestion = visibleSuggestions()[index];
    if (!id || !held || !suggestion) return;
    state.dismissed.add(suggestionKey(held.data, suggestion));
    renderAssist();
    if (CONFIG.urls.suggestion_feedback && held.data.message) {
      postJson(withId(CONFIG.urls.suggestion_feedback, id), {
        message: held.data.message.id,
        source: suggestion.source,
        source_id: suggestion.source_id,
        suggested: suggestion.text,
        sent: "",
        outcome: "rejected",
      }).catch(() => {}); // feedback is best effort: the agent's work goes on
    }
    focusComposer();
  }

  /** After a message built from suggestions is acknowledged: the server compares and records used or edited. */
  function suggestionFeedbackSent(pending, message) {
    if (!CONFIG.urls.suggestion_feedback || !pending.suggestions || !pending.suggestions.length) return;
    for (const used of pending.suggestions) {
      if (!used.message) continue;
      postJson(withId(CONFIG.urls.suggestion_feedback, pending.conversation), {
        message: used.message,
        source: used.source,
        source_id: used.source_id,
        suggested: used.suggested,
        sent: (message && message.body) || pending.body,
        outcome: "",
      }).catch(() => {});
    }
  }

  $("#wb-side").addEventListener("click", (event) => {
    const use = event.target.closest("[data-use-suggestion]");
    if (use) {
      useSuggestion(Number(use.dataset.useSuggestion));
      return;
    }
    const dismiss = event.target.closest("[data-dismiss-suggestion]");
    if (dismiss) {
      dismissSuggestion(Number(dismiss.dataset.dismissSuggestion));
      return;
    }
    if (event.target.closest("[data-retry-assist]") && state.openId) loadAssist(state.openId);
  });

  // ---------------------------------------------------------------- the guard (服务禁语) in the composer
  // Checks the draft as the agent types (250 ms after the last key, stale answers ignored), marks the
  // flagged words in a layer mirrored behind the textarea, lists them with their rewrite under the
  // composer, and asks before a flagged reply goes out; the decision is recorded for inspection.
  const GUARD_ON = !!CONFIG.urls.guard_check;
  const guard = { text: "", flags: [], shown: [], seq: 0, timer: null, inflight: null, busy: false };
  const guardLayer = $("#wb-guard-layer");
  const guardBar = $("#wb-guard");
  const CLAUSE_END = /[，,。！？!?；;\n]/;

  const guardActive = () => GUARD_ON && !!state.openId && !$("#wb-private").checked;
  const flagCategory = (flag) => flag.category_label || flag.category || "";
  const flagWhy = (flag) => flag.explanation || (flag.source === "model" ? T.guard_model_flag : "");

  /** Call after every change of the composer's text, typed or inserted. */
  function composerChanged() {
    if (!composer().value.trim()) state.inserted.delete(state.openId); // an emptied composer holds no suggestion any more
    scheduleGuard();
    renderGuard();
  }

  function scheduleGuard() {
    clearTimeout(guard.timer);
    const value = composer().value;
    if (!guardActive() || !value.trim()) {
      guard.seq += 1; // whatever is on its way is stale now
      guard.inflight = null;
      guard.text = value;
      guard.flags = [];
      return;
    }
    if (value === guard.text || (guard.inflight && guard.inflight.text === value)) return;
    guard.timer = setTimeout(() => guardCheck(value).catch(() => {}), 250);
  }

  function guardCheck(text) {
    clearTimeout(guard.timer);
    const seq = ++guard.seq;
    const promise = postJson(CONFIG.urls.guard_check, { text }).then(
      (data) => {
        const flags = ((data && data.flags) || []).filter((flag) => text.slice(flag.start, flag.end) === flag.text);
        if (seq === guard.seq) {
          guard.text = text;
          guard.flags = flags;
          guard.inflight = null;
          renderGuard();
        }
        return flags;
      },
      (error) => {
        if (seq === guard.seq) guard.inflight = null;
        throw error;
      }
    );
    guard.inflight = { text, promise };
    return promise;
  }

  /** The flags of exactly `text` when the last answer was for it; null when it must be checked first. */
  function guardKnownFlags(text) {
    if (!guardActive() || !text.trim()) return [];
    if (guard.text === text && !(guard.inflight && guard.inflight.text !== text)) return guard.flags;
    return null;
  }

  function guardFlagsOf(text) {
    const known = guardKnownFlags(text);
    if (known) return Promise.resolve(known);
    if (guard.inflight && guard.inflight.text === text) return guard.inflight.promise;
    return guardCheck(text);
  }

  function renderGuard() {
    const input = composer();
    const value = input.value;
    // Until the next answer, keep the marks whose words are still where they were (typing on after them).
    const flags = guardActive() ? guard.flags.filter((flag) => value.slice(flag.start, flag.end) === flag.text) : [];
    guard.shown = flags;
    let html = "";
    let position = 0;
    flags.forEach((flag, i) => {
      if (flag.start < position) return;
      const title = [flagCategory(flag), flagWhy(flag)].filter(Boolean).join("：");
      html +=
        escapeHtml(value.slice(position, flag.start)) +
        `<mark class="wb-flag" data-flag="${i}" data-category="${escapeHtml(flag.category || "")}" data-title="${escapeHtml(title)}">${escapeHtml(flag.text)}</mark>`;
      position = flag.end;
    });
    guardLayer.innerHTML = html + escapeHtml(value.slice(position)) + "\n";
    syncGuardLayer();
    if (!flags.length) input.title = "";
    guardBar.hidden = !flags.length;
    guardBar.innerHTML = flags.map((flag, i) => flagHtml(flag, i, "data-guard-rewrite")).join("");
  }

  function flagHtml(flag, i, rewriteAttribute) {
    const why = flagWhy(flag);
    const rewrite = flag.rewrite
      ? `<button type="button" class="wb-guard-rewrite" ${rewriteAttribute}="${i}" title="${escapeHtml(T.guard_replace)}：${escapeHtml(flag.rewrite)}">` +
        `<span class="wb-rw-label">${escapeHtml(T.guard_replace)}</span><span class="wb-rw-text">${escapeHtml(flag.rewrite)}</span></button>`
      : "";
    return (
      `<li class="wb-guard-item" data-category="${escapeHtml(flag.category || "")}">` +
      `<mark class="wb-guard-word">${escapeHtml(flag.text)}</mark><span class="wb-guard-cat">${escapeHtml(flagCategory(flag))}</span>` +
      (why ? `<span class="wb-guard-why" title="${escapeHtml(why)}">${escapeHtml(why)}</span>` : "") +
      rewrite +
      `</li>`
    );
  }

  function syncGuardLayer() {
    const input = composer();
    const scrollbar = Math.max(0, input.offsetWidth - input.clientWidth - 2); // the textarea's borders are 1 px
    guardLayer.style.paddingRight = `${8 + scrollbar}px`;
    guardLayer.scrollTop = input.scrollTop;
  }

  /** Replace the clause holding `flag` with its rewrite (the rewrites are whole wordings, not single words). */
  function applyRewrite(flag) {
    const input = composer();
    const value = input.value;
    if (!flag || !flag.rewrite || value.slice(flag.start, flag.end) !== flag.text) return false;
    let start = flag.start;
    while (start > 0 && !CLAUSE_END.test(value[start - 1])) start -= 1;
    let end = flag.end;
    while (end < value.length && !CLAUSE_END.test(value[end])) end += 1;
    let rewrite = flag.rewrite;
    if (/[。！？!?]$/.test(rewrite) && /[，,；;。.！!？?]/.test(value[end] || "")) end += 1; // the rewrite ends its own sentence
    if (start > 0 && /^亲[，,]/.test(rewrite) && value.slice(0, start).includes("亲")) rewrite = rewrite.slice(2);
    input.setRangeText(rewrite, start, end, "end");
    input.focus();
    composerChanged();
    return true;
  }

  guardBar.addEventListener("mousedown", (event) => {
    const button = event.target.closest("[data-guard-rewrite]");
    if (!button) return;
    event.preventDefault(); // keep the focus in the composer
    applyRewrite(guard.shown[Number(button.dataset.guardRewrite)]);
  });
  guardBar.addEventListener("keydown", (event) => {
    const button = event.target.closest("[data-guard-rewrite]");
    if (button && (event.key === "Enter" || event.key === " ")) {
      event.preventDefault();
      applyRewrite(guard.shown[Number(button.dataset.guardRewrite)]);
    }
  });

  composer().addEventListener("scroll", syncGuardLayer);
  window.addEventListener("resize", syncGuardLayer);
  // The marks lie under the textarea: its tooltip names the category and the reason of the mark under the pointer.
  composer().addEventListener("mousemove", (event) => {
    let title = "";
    for (const mark of $$("mark", guardLayer)) {
      for (const rect of mark.getClientRects()) {
        if (event.clientX >= rect.left && event.clientX <= rect.right && event.clientY >= rect.top && event.clientY <= rect.bottom) title = mark.dataset.title;
      }
    }
    if (composer().title !== title) composer().title = title;
  });

  function guardDecision(conversation, text, decision, messageId) {
    if (!CONFIG.urls.guard_decision) return;
    postJson(withId(CONFIG.urls.guard_decision, conversation), { text, decision, message: messageId || null }).catch(() => {});
  }

  // the confirmation before a flagged reply goes out
  const confirmBox = $("#wb-guard-confirm");
  let confirmState = null; // {conversation, value, body, flags, decided}

  function openGuardConfirm(value, body, flags) {
    confirmState = { conversation: state.openId, value, body, flags, decided: false };
    $("#wb-guard-confirm-flags").innerHTML = flags.map((flag, i) => flagHtml(flag, i, "data-confirm-rewrite")).join("");
    confirmBox.showModal();
    $("#wb-guard-back").focus();
  }

  $("#wb-guard-back").addEventListener("click", () => confirmBox.close()); // recorded as "revised" on close

  $("#wb-guard-send").addEventListener("click", () => {
    const chosen = confirmState;
    if (!chosen) return;
    chosen.decided = true;
    confirmBox.close();
    if (chosen.conversation === state.openId && composer().value === chosen.value) dispatchSend({ guardText: chosen.body });
  });

  $("#wb-guard-confirm-flags").addEventListener("click", (event) => {
    const button = event.target.closest("[data-confirm-rewrite]");
    if (!button || !confirmState) return;
    const chosen = confirmState;
    chosen.decided = true;
    guardDecision(chosen.conversation, chosen.body, "revised", null);
    confirmBox.close();
    if (chosen.conversation === state.openId) applyRewrite(chosen.flags[Number(button.dataset.confirmRewrite)]);
  });

  confirmBox.addEventListener("close", () => {
    const chosen = confirmState;
    confirmState = null;
    if (chosen && !chosen.decided) guardDecision(chosen.conversation, chosen.body, "revised", null); // 返回修改 or Esc
  });

  // Keep Tab inside the dialog (the modal dialog already makes the page behind it inert).
  confirmBox.addEventListener("keydown", (event) => {
    if (event.key !== "Tab") return;
    const focusable = $$("button", confirmBox).filter((el) => !el.disabled && el.offsetParent !== null);
    if (!focusable.length) return;
    const first = focusable[0];
    const last = focusable[focusable.length - 1];
    if (event.shiftKey && document.activeElement === first) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && document.activeElement === last) {
      event.preventDefault();
      first.focus();
    }
  });

  // ---------------------------------------------------------------- keyboard
  document.addEventListener("keydown", (event) => {
    const inField = event.target.closest && event.target.closest("input, textarea, select, [contenteditable]");
    if ((event.ctrlKey || event.metaKey) && !event.altKey && (event.key === "k" || event.key === "K")) {
      event.preventDefault();
      search.focus();
      search.select();
      return;
    }
    if (event.altKey && !event.ctrlKey && !event.metaKey) {
      const handled = {
        ArrowUp: () => moveConversation(-1),
        ArrowDown: () => moveConversation(1),
        KeyR: () => actionAvailable("resolve") && actions.resolve(),
        KeyT: () => actionAvailable("transfer") && actions.transfer(),
        KeyC: () => actionAvailable("claim") && actions.claim(),
        Digit1: () => useSuggestion(0),
        Digit2: () => useSuggestion(1),
        Digit3: () => useSuggestion(2),
        Digit4: () => useSuggestion(3),
        Digit5: () => useSuggestion(4),
      }[event.key.startsWith("Arrow") ? event.key : event.code];
      if (handled) {
        event.preventDefault();
        handled();
        return;
      }
    }
    if (event.key === "Escape") {
      if (!phraseBox.hidden || !emojiBox.hidden) {
        closePhrases();
        closeEmoji();
        focusComposer();
      }
      return;
    }
    if (event.key === "?" && !inField && !$("dialog[open]")) {
      event.preventDefault();
      $("#wb-keys").showModal();
    }
  });

  $("#wb-help").addEventListener("click", () => $("#wb-keys").showModal());
  $("#wb-reconnect").addEventListener("click", () => {
    socket.backoff = 1000;
    connect();
  });

  document.addEventListener("click", (event) => {
    if (!emojiBox.hidden && !event.target.closest("#wb-emoji, [data-tool=emoji]")) closeEmoji();
    if (!phraseBox.hidden && !event.target.closest("#wb-phrases, #wb-input, [data-tool=phrases]")) closePhrases();
  });

  // ---------------------------------------------------------------- start
  loadPending();
  renderCounts();
  loadList();
  connect();
  setInterval(tickWaits, 1000);
  // A link from an alert or a supervisor page: /workbench/?conversation=<id> opens that conversation.
  const linked = Number(new URLSearchParams(location.search).get("conversation"));
  if (Number.isInteger(linked) && linked > 0) openConversation(linked);
  // For people debugging in the console and for the browser tests: drop the socket as a network failure would.
  window.kefuWorkbench = { state, open: openConversation, dropConnection: () => socket.ws && socket.ws.close(4000), connected: () => socket.ready };
})();
