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

  function emotionBadge(emotion) {
    if (!emotion) return "";
    const label = typeof emotion === "string" ? emotion : emotion.label || emotion.name || "";
    return label ? `<span class="wb-emotion" data-emotion>${escapeHtml(label)}</span>` : "";
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

  function toast(text, { error = false, title = "", onClick = null, ms = 4500 } = {}) {
    const box = document.createElement("div");
    box.className = "wb-toast" + (error ? " error" : "");
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
    if (socket.everConnected) loadList();
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
    toast(frame.body || "", {
      title: frame.title || T.new_notification,
      onClick: () => {
        if (frame.conversation) openConversation(frame.conversation);
      },
      ms: 8000,
    });
    scheduleListRefresh();
  }

  function onError(frame) {
    if (frame.client_id && state.pending.has(frame.client_id)) {
      const pending = state.pending.get(frame.client_id);
      state.pending.delete(frame.client_id);
      savePending();
      // Give the text back so nothing the agent wrote is lost.
      if (pending.conversation === state.openId && !composer().value.trim()) composer().value = pending.body;
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
      `<li class="wb-row ${s.status === "resolved" ? "resolved" : ""}" role="option" data-id="${s.id}" aria-current="${current}" aria-selected="${current}">` +
      `<span class="wb-row-icon">${channelIcon(s.inbox ? s.inbox.channel : "web")}</span>` +
      `<span class="wb-row-name"><span class="wb-name-text">${escapeHtml(customer.name || "#" + s.id)}</span>${emotionBadge(s.emotion)}` +
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
    if (s.emotion) parts.push(emotionBadge(s.emotion));
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
  function sendComposer() {
    const id = state.openId;
    if (!id) return;
    const input = composer();
    const body = input.value.trim();
    if (state.uploading) {
      toast(T.uploading);
      return;
    }
    if (!body && !state.attachments.length) return;
    const pending = {
      client_id: newClientId(),
      conversation: id,
      body,
      attachments: state.attachments.slice(),
      private: $("#wb-private").checked,
    };
    state.pending.set(pending.client_id, pending);
    savePending();
    sendPending(pending); // when offline it stays pending and goes after the reconnect
    input.value = "";
    state.drafts.delete(id);
    state.attachments = [];
    renderAttachments();
    closePhrases();
    sendTyping(false);
    renderHistory({ toBottom: true });
    focusComposer();
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
  // For people debugging in the console and for the browser tests: drop the socket as a network failure would.
  window.kefuWorkbench = { state, open: openConversation, dropConnection: () => socket.ws && socket.ws.close(4000) };
})();
