/* The customer side of the real-time protocol (docs/realtime-protocol.md), for the standalone
   chat page and the widget's iframe. Plain JS, no build step. Every text shown comes from the
   translated strings the server renders into the page (config.strings). */
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("kefu-chat-config").textContent);
  var KEY = config.key;
  var TOKEN_KEY = "kefu.visitor." + KEY;
  var PENDING_KEY = "kefu.pending." + KEY;
  var RATED_KEY = "kefu.rated." + KEY;
  var VERIFIED_KEY = "kefu.verified." + KEY; // the visitor id that verified an order: hides "verify my order" after a reload
  var PING_MS = 20000;
  var PONG_TIMEOUT_MS = 50000;
  var MAX_BACKOFF_S = 15;
  var MAX_BODY = 2000;
  var MAX_IMAGE_BYTES = 5 * 1024 * 1024;
  var IMAGE_TYPES = ["image/png", "image/jpeg", "image/gif", "image/webp"];

  function t(key, params) {
    var text = config.strings[key] || key;
    if (params) {
      Object.keys(params).forEach(function (name) { text = text.split("%(" + name + ")s").join(String(params[name])); });
    }
    return text;
  }

  // localStorage may be unavailable (private mode, blocked third-party storage): fall back to memory.
  var memoryStore = {};
  var store = {
    get: function (name) {
      try { return window.localStorage.getItem(name); } catch (e) { return Object.prototype.hasOwnProperty.call(memoryStore, name) ? memoryStore[name] : null; }
    },
    set: function (name, value) {
      try { window.localStorage.setItem(name, value); } catch (e) { memoryStore[name] = value; }
    },
    remove: function (name) {
      try { window.localStorage.removeItem(name); } catch (e) { delete memoryStore[name]; }
    },
    getJSON: function (name, fallback) {
      try { var raw = store.get(name); return raw ? JSON.parse(raw) : fallback; } catch (e) { return fallback; }
    },
  };

  function newClientId() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") return "c-" + window.crypto.randomUUID();
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return "c-" + Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  var state = {
    token: store.get(TOKEN_KEY),
    ws: null,
    connected: false,
    everConnected: false,
    started: false,
    attempt: 0,
    reconnectTimer: null,
    pingTimer: null,
    lastPong: 0,
    sentAfterSeq: 0,
    inbox: config.inbox,
    visitor: null,
    conversation: null,
    messages: new Map(), // "conversation:seq" -> message object
    complete: { conversation: null, seq: 0 }, // every public message up to seq is held
    prevOf: new Map(), // "conversation:prev_seq" -> seq of the public message after it
    pending: store.getJSON(PENDING_KEY, []), // unacknowledged own messages, resent after a reconnect
    failed: new Map(), // client_id -> {item, error}: refused by the server, retried by hand
    peerReadSeq: {}, // conversation id -> highest seq the shop side has read
    queue: null,
    typingTimer: null,
    typingSentAt: 0,
    typingIdleTimer: null,
    lastReadSent: {},
    panelOpen: !config.embed,
    unread: 0,
    rated: store.getJSON(RATED_KEY, []),
    ratingScore: 0,
    noticeTimer: null,
  };
  if (!Array.isArray(state.pending)) state.pending = [];
  if (!Array.isArray(state.rated)) state.rated = [];

  var el = {
    app: document.getElementById("kc-app"),
    connection: document.getElementById("kc-connection"),
    queue: document.getElementById("kc-queue"),
    list: document.getElementById("kc-messages"),
    empty: document.getElementById("kc-empty"),
    typing: document.getElementById("kc-typing"),
    notice: document.getElementById("kc-notice"),
    whoName: document.getElementById("kc-who-name"),
    whoAvatar: document.getElementById("kc-who-avatar"),
    onlineDot: document.getElementById("kc-online-dot"),
    human: document.getElementById("kc-human"),
    close: document.getElementById("kc-close"),
    form: document.getElementById("kc-form"),
    input: document.getElementById("kc-input"),
    send: document.getElementById("kc-send"),
    emojiBtn: document.getElementById("kc-emoji-btn"),
    emoji: document.getElementById("kc-emoji"),
    imageBtn: document.getElementById("kc-image-btn"),
    file: document.getElementById("kc-file"),
    identifyBtn: document.getElementById("kc-identify-btn"),
    identify: document.getElementById("kc-identify"),
    identifyError: document.getElementById("kc-identify-error"),
    identifySubmit: document.getElementById("kc-identify-submit"),
    orderNumber: document.getElementById("kc-order-number"),
    phone: document.getElementById("kc-phone"),
    rating: document.getElementById("kc-rating"),
    ratingError: document.getElementById("kc-rating-error"),
    ratingComment: document.getElementById("kc-rating-comment"),
    ratingSubmit: document.getElementById("kc-rating-submit"),
    lightbox: document.getElementById("kc-lightbox"),
    lightboxImg: document.getElementById("kc-lightbox-img"),
  };

  // ---- talking to the widget's host page (loader.js) ---------------------------------------
  function toParent(message) {
    if (!config.embed || window.parent === window) return;
    message.kefu = message.kefu || "state";
    message.inbox = KEY;
    window.parent.postMessage(message, "*"); // the host page's origin is unknown; nothing private is sent
  }

  function setPanelOpen(open) {
    state.panelOpen = open;
    if (open) {
      state.unread = 0;
      toParent({ kefu: "unread", count: 0 });
      if (!state.started) start();
      render();
      maybeSendRead();
      setTimeout(function () { el.input.focus(); }, 50);
    }
  }

  window.addEventListener("message", function (event) {
    if (!config.embed || event.source !== window.parent) return;
    var data = event.data;
    if (data && data.kefu === "panel") setPanelOpen(Boolean(data.open));
  });

  // ---- the socket ------------------------------------------------------------------------
  function socketUrl() {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    return scheme + window.location.host + config.ws_path;
  }

  function send(frame) {
    if (!state.ws || state.ws.readyState !== WebSocket.OPEN) return false;
    state.ws.send(JSON.stringify(frame));
    return true;
  }

  function start() {
    state.started = true;
    connect();
  }

  function connect() {
    clearTimeout(state.reconnectTimer);
    state.reconnectTimer = null;
    var ws;
    try {
      ws = new WebSocket(socketUrl());
    } catch (e) {
      scheduleReconnect();
      return;
    }
    state.ws = ws;
    ws.onopen = function () {
      if (state.ws !== ws) return;
      state.sentAfterSeq = currentMaxSeq();
      send({ type: "hello", token: state.token || null, after_seq: state.sentAfterSeq });
    };
    ws.onmessage = function (event) {
      if (state.ws !== ws) return;
      var frame;
      try { frame = JSON.parse(event.data); } catch (e) { return; }
      if (frame && typeof frame.type === "string") handleFrame(frame);
    };
    ws.onclose = function (event) {
      if (state.ws !== ws) return;
      if (event.code === 4401) forgetToken();
      disconnected();
    };
  }

  function disconnected() {
    var ws = state.ws;
    state.ws = null;
    state.connected = false;
    clearInterval(state.pingTimer);
    state.pingTimer = null;
    if (ws) {
      ws.onclose = null;
      ws.onmessage = null;
      try { ws.close(); } catch (e) { /* already closed */ }
    }
    showTyping(false);
    renderConnection();
    scheduleReconnect();
  }

  function scheduleReconnect() {
    if (state.reconnectTimer) return;
    var delay = Math.min(MAX_BACKOFF_S, Math.pow(2, state.attempt));
    state.attempt += 1;
    state.reconnectTimer = setTimeout(connect, delay * 1000);
  }

  function reconnectNow() {
    if (state.connected || !state.started) return;
    if (state.ws) return; // a socket is opening or waiting for its welcome
    connect();
  }

  function startPing() {
    clearInterval(state.pingTimer);
    state.lastPong = Date.now();
    state.pingTimer = setInterval(function () {
      if (Date.now() - state.lastPong > PONG_TIMEOUT_MS) { disconnected(); return; }
      send({ type: "ping" });
    }, PING_MS);
  }

  function forgetToken() {
    // The token is no longer valid (another inbox, a changed secret): start over as a new visitor.
    state.token = null;
    store.remove(TOKEN_KEY);
    state.messages.clear();
    state.conversation = null;
    state.queue = null;
    state.peerReadSeq = {};
    state.lastReadSent = {};
    el.rating.hidden = true;
    render();
  }

  // ---- frames from the server ---------------------------------------------------------------
  function handleFrame(frame) {
    switch (frame.type) {
      case "welcome": onWelcome(frame); break;
      case "ack": onAck(frame); break;
      case "messages": onMessages(frame); break;
      case "message.created": if (frame.message) { addMessage(frame.message, true); render(); maybeSendRead(); } break;
      case "typing": if (frame.sender_kind !== "customer") showTyping(Boolean(frame.active)); break;
      case "read": onRead(frame); break;
      case "conversation.updated": if (frame.conversation) { setConversation(frame.conversation); render(); } break;
      case "queue.position": onQueuePosition(frame); break;
      case "identified": onIdentified(frame); break;
      case "result": onResult(frame); break;
      case "error": onError(frame); break;
      case "pong": state.lastPong = Date.now(); break;
      default: break;
    }
  }

  function onWelcome(frame) {
    state.connected = true;
    state.everConnected = true;
    state.attempt = 0;
    if (frame.token) {
      state.token = frame.token;
      store.set(TOKEN_KEY, frame.token);
    }
    state.visitor = frame.visitor || null;
    if (state.visitor && store.get(VERIFIED_KEY) === String(state.visitor.id)) el.identifyBtn.hidden = true;
    if (frame.inbox) state.inbox = Object.assign({}, state.inbox, frame.inbox);
    var previous = state.conversation ? state.conversation.id : null;
    if (frame.conversation) setConversation(frame.conversation);
    if (frame.conversation && typeof frame.queue_position === "number") {
      onQueuePosition({ conversation: frame.conversation.id, position: frame.queue_position });
    }
    var messages = frame.messages || [];
    messages.forEach(function (message) { addMessage(message, false); });
    var current = state.conversation ? state.conversation.id : null;
    // The welcome holds every public message after the seq we sent: complete up to its newest.
    if (current !== null && (current === previous || state.sentAfterSeq === 0)) {
      completeUpTo(current, Math.max(state.sentAfterSeq, maxSeqIn(messages)));
    }
    if (current !== null && previous !== null && current !== previous && state.sentAfterSeq > 0) {
      send({ type: "resume", after_seq: 0 }); // another conversation than the one we held: fetch it whole
    } else if (messages.length >= 500) {
      send({ type: "resume", after_seq: currentMaxSeq() });
    }
    startPing();
    // Durability: resend every unacknowledged message with its own client_id; the server dedupes.
    state.pending.forEach(transmit);
    renderConnection();
    render();
    maybeSendRead();
    toParent({ kefu: "ready", color: state.inbox.color || config.inbox.color });
  }

  // The first acknowledgement or message names the conversation, before its summary arrives.
  function knowConversation(id) {
    if (id && (!state.conversation || state.conversation.id !== id)) {
      state.conversation = Object.assign({}, state.conversation || {}, { id: id, status: "open" });
    }
  }

  function onAck(frame) {
    knowConversation(frame.conversation);
    if (frame.message) addMessage(frame.message, false);
    settlePending(frame.client_id);
    render();
  }

  function onMessages(frame) {
    var messages = frame.messages || [];
    messages.forEach(function (message) { addMessage(message, false); });
    if (frame.conversation) completeUpTo(frame.conversation, maxSeqIn(messages)); // complete after its after_seq
    if (messages.length >= 500) send({ type: "resume", after_seq: currentMaxSeq() });
    render();
    maybeSendRead();
  }

  function onRead(frame) {
    if (frame.sender_kind === "customer") return;
    var conversation = frame.conversation;
    state.peerReadSeq[conversation] = Math.max(state.peerReadSeq[conversation] || 0, frame.seq || 0);
    render();
  }

  function onQueuePosition(frame) {
    state.queue = { position: frame.position, team: frame.team, conversation: frame.conversation };
    renderHeader();
  }

  function onIdentified(frame) {
    el.identifySubmit.disabled = false;
    el.identify.hidden = true;
    el.identifyBtn.setAttribute("aria-expanded", "false");
    el.identifyBtn.hidden = true;
    if (state.visitor) store.set(VERIFIED_KEY, String(state.visitor.id));
    el.identify.reset();
    showNotice(t("identified", { name: (frame.customer && frame.customer.name) || "" }), false);
  }

  function onResult(frame) {
    if (frame.ref === "human") {
      el.human.disabled = false;
      if (state.conversation && typeof frame.queue_position === "number") {
        onQueuePosition({ conversation: state.conversation.id, position: frame.queue_position });
      }
      showNotice(t("human_requested"), false);
    } else if (frame.ref === "rate") {
      el.ratingSubmit.disabled = false;
      el.rating.hidden = true;
      markRated(state.conversation && state.conversation.id);
      showNotice(t("rated"), false);
    }
  }

  function onError(frame) {
    var text = frame.message || t("error");
    if (frame.code === "bad_token") forgetToken();
    if (frame.client_id) {
      var item = takePending(frame.client_id);
      if (item) state.failed.set(item.client_id, { item: item, error: text });
      showNotice(text, true);
      render();
      return;
    }
    if (frame.ref === "identify") {
      el.identifySubmit.disabled = false;
      el.identifyError.textContent = text;
      el.identifyError.hidden = false;
      return;
    }
    if (frame.ref === "rate") {
      el.ratingSubmit.disabled = false;
      el.ratingError.textContent = text;
      el.ratingError.hidden = false;
      return;
    }
    if (frame.ref === "human") el.human.disabled = false;
    showNotice(text, true);
  }

  // ---- state changes ------------------------------------------------------------------------
  function messageKey(message) { return message.conversation + ":" + message.seq; }

  function currentConversationId() {
    var id = state.conversation ? state.conversation.id : null;
    state.messages.forEach(function (message) { if (id === null || message.conversation > id) id = message.conversation; });
    return id;
  }

  // The seq up to which every public message is held. Resume after it, never after the highest seq:
  // an acknowledgement for seq 9 can arrive before the event for seq 8, and private notes leave gaps,
  // so each live message names the public message before it (prev_seq) and the chain is followed.
  function currentMaxSeq() {
    return state.complete.conversation === currentConversationId() ? state.complete.seq : 0;
  }

  function completeUpTo(conversation, seq) {
    if (conversation === null || conversation === undefined) return;
    if (state.complete.conversation !== conversation) state.complete = { conversation: conversation, seq: 0 };
    if (seq > state.complete.seq) state.complete.seq = seq;
    while (state.prevOf.has(conversation + ":" + state.complete.seq)) {
      state.complete.seq = state.prevOf.get(conversation + ":" + state.complete.seq);
    }
  }

  function maxSeqIn(messages) {
    return messages.reduce(function (max, message) { return message.seq > max ? message.seq : max; }, 0);
  }

  function addMessage(message, live) {
    if (!message || message.is_private || typeof message.seq !== "number") return;
    if (!state.conversation) knowConversation(message.conversation);
    var key = messageKey(message);
    if (state.messages.has(key)) return; // a seq we already hold: resume and live frames may overlap
    state.messages.set(key, message);
    if (typeof message.prev_seq === "number") {
      state.prevOf.set(message.conversation + ":" + message.prev_seq, message.seq);
      completeUpTo(message.conversation, 0);
    }
    if (message.client_id) settlePending(message.client_id);
    if (message.sender_kind !== "customer" && message.sender_kind !== "system") showTyping(false);
    if (live && message.sender_kind !== "customer" && !(state.panelOpen && document.visibilityState === "visible")) {
      state.unread += 1;
      toParent({ kefu: "unread", count: state.unread });
      if (!config.embed) document.title = "(" + state.unread + ") " + config.title;
    }
  }

  function savePending() { store.set(PENDING_KEY, JSON.stringify(state.pending)); }

  function takePending(clientId) {
    var found = null;
    state.pending = state.pending.filter(function (item) {
      if (item.client_id === clientId) { found = item; return false; }
      return true;
    });
    if (found) savePending();
    return found;
  }

  function settlePending(clientId) {
    if (!clientId) return;
    takePending(clientId);
    state.failed.delete(clientId);
  }

  function transmit(item) {
    send({ type: "message.send", ref: item.client_id, client_id: item.client_id, body: item.body, attachments: item.attachments || [] });
  }

  function sendMessage(body, attachments) {
    var item = { client_id: newClientId(), body: body, attachments: attachments || [], created_at: new Date().toISOString() };
    state.pending.push(item);
    savePending();
    if (state.connected) transmit(item); // otherwise it goes out with the others after the next welcome
    render(true);
  }

  function retry(clientId) {
    var entry = state.failed.get(clientId);
    if (!entry) return;
    state.failed.delete(clientId);
    state.pending.push(entry.item);
    savePending();
    if (state.connected) transmit(entry.item);
    render(true);
  }

  function setConversation(summary) {
    var same = state.conversation && state.conversation.id === summary.id;
    state.conversation = Object.assign({}, same ? state.conversation : {}, summary);
    if (summary.assignee_kind === "agent" || summary.status === "resolved") state.queue = null;
    var showRating = summary.status === "resolved" && state.rated.indexOf(summary.id) === -1;
    if (showRating && el.rating.hidden) {
      state.ratingScore = 0;
      paintStars(0);
      el.ratingError.hidden = true;
    }
    el.rating.hidden = !showRating;
    renderHeader();
  }

  function markRated(conversationId) {
    if (conversationId === null || conversationId === undefined) return;
    if (state.rated.indexOf(conversationId) === -1) state.rated.push(conversationId);
    state.rated = state.rated.slice(-50);
    store.set(RATED_KEY, JSON.stringify(state.rated));
  }

  function showTyping(active) {
    clearTimeout(state.typingTimer);
    el.typing.hidden = !active;
    if (active) state.typingTimer = setTimeout(function () { el.typing.hidden = true; }, 8000);
  }

  function showNotice(text, isError) {
    clearTimeout(state.noticeTimer);
    el.notice.textContent = text;
    el.notice.className = "kc-notice" + (isError ? " kc-error" : "");
    el.notice.setAttribute("role", isError ? "alert" : "status");
    el.notice.hidden = false;
    state.noticeTimer = setTimeout(function () { el.notice.hidden = true; }, isError ? 9000 : 6000);
  }

  function maybeSendRead() {
    if (!state.connected || !state.panelOpen || document.visibilityState !== "visible") return;
    var id = currentConversationId();
    if (id === null) return;
    var maxSeq = 0;
    var theirs = 0;
    state.messages.forEach(function (message) {
      if (message.conversation !== id) return;
      if (message.seq > maxSeq) maxSeq = message.seq;
      if (message.sender_kind !== "customer" && message.seq > theirs) theirs = message.seq;
    });
    if (theirs > (state.lastReadSent[id] || 0)) {
      state.lastReadSent[id] = maxSeq;
      send({ type: "read", seq: maxSeq });
    }
  }

  // ---- rendering ---------------------------------------------------------------------------
  var language = config.language || document.documentElement.lang || "zh-hans";
  var timeFormat = new Intl.DateTimeFormat(language, { hour: "2-digit", minute: "2-digit", hour12: false });
  var dayFormat = new Intl.DateTimeFormat(language, { month: "long", day: "numeric", weekday: "short" });
  var yearDayFormat = new Intl.DateTimeFormat(language, { year: "numeric", month: "long", day: "numeric" });

  function dayKey(date) { return date.getFullYear() + "-" + date.getMonth() + "-" + date.getDate(); }

  function dayLabel(date) {
    var today = new Date();
    var yesterday = new Date(today.getFullYear(), today.getMonth(), today.getDate() - 1);
    if (dayKey(date) === dayKey(today)) return t("today");
    if (dayKey(date) === dayKey(yesterday)) return t("yesterday");
    return date.getFullYear() === today.getFullYear() ? dayFormat.format(date) : yearDayFormat.format(date);
  }

  function parseDate(value) {
    var date = value ? new Date(value) : new Date();
    return isNaN(date.getTime()) ? new Date() : date;
  }

  function initial(name) { return name ? Array.from(String(name).trim())[0] || "" : ""; }

  function safeUrl(url) { return typeof url === "string" && /^(\/(?!\/)|https?:\/\/)/i.test(url) ? url : null; }

  function appendText(container, text) {
    var pattern = /(https?:\/\/[^\s<>"']+)/g;
    var last = 0;
    var match;
    text = text || "";
    while ((match = pattern.exec(text)) !== null) {
      if (match.index > last) container.appendChild(document.createTextNode(text.slice(last, match.index)));
      var link = document.createElement("a");
      link.href = match[1];
      link.target = "_blank";
      link.rel = "noopener noreferrer";
      link.textContent = match[1];
      container.appendChild(link);
      last = match.index + match[1].length;
    }
    if (last < text.length) container.appendChild(document.createTextNode(text.slice(last)));
  }

  function attachmentsElement(attachments) {
    var box = document.createElement("div");
    box.className = "kc-images";
    (attachments || []).forEach(function (attachment) {
      var url = safeUrl(attachment && attachment.url);
      if (!url) return;
      if (String(attachment.content_type || "").indexOf("image/") === 0) {
        var button = document.createElement("button");
        button.type = "button";
        button.className = "kc-thumb";
        button.title = t("open_image");
        button.setAttribute("aria-label", t("open_image") + ": " + (attachment.name || ""));
        var img = document.createElement("img");
        img.src = url;
        img.alt = attachment.name || t("image");
        img.loading = "lazy";
        img.addEventListener("load", keepAtBottom);
        button.appendChild(img);
        button.addEventListener("click", function () { openLightbox(url, attachment.name); });
        box.appendChild(button);
      } else {
        var link = document.createElement("a");
        link.className = "kc-file";
        link.href = url;
        link.target = "_blank";
        link.rel = "noopener noreferrer";
        link.textContent = attachment.name || url;
        box.appendChild(link);
      }
    });
    return box.childNodes.length ? box : null;
  }

  var elementCache = new Map();

  function senderLabel(message) {
    if (message.sender_kind === "bot") return message.sender_name || t("bot_label", { name: config.bot_name });
    return message.sender_name || t("online_service");
  }

  function buildElement(entry) {
    var message = entry.message;
    var node;
    if (message.sender_kind === "system") {
      node = document.createElement("div");
      node.className = "kc-system";
      var span = document.createElement("span");
      appendText(span, message.body);
      node.appendChild(span);
      var systemImages = attachmentsElement(message.attachments);
      if (systemImages) node.appendChild(systemImages);
      return node;
    }
    var own = message.sender_kind === "customer";
    node = document.createElement("div");
    node.className = "kc-msg " + (own ? "kc-own" : "kc-theirs");
    node.setAttribute("data-kind", message.sender_kind);
    if (!own) {
      var head = document.createElement("div");
      head.className = "kc-msg-head";
      var avatar = document.createElement("span");
      avatar.className = message.sender_kind === "bot" ? "kc-avatar kc-bot" : "kc-avatar";
      avatar.setAttribute("aria-hidden", "true");
      var name = senderLabel(message);
      avatar.textContent = message.sender_kind === "bot" ? initial(config.bot_name) : initial(name);
      var label = document.createElement("span");
      label.className = "kc-name";
      label.textContent = name;
      head.appendChild(avatar);
      head.appendChild(label);
      if (message.sender_kind === "bot") {
        var tag = document.createElement("span");
        tag.className = "kc-tag";
        tag.textContent = t("bot_tag");
        head.appendChild(tag);
      }
      node.appendChild(head);
    }
    var bubble = document.createElement("div");
    bubble.className = "kc-bubble";
    appendText(bubble, message.body);
    node.appendChild(bubble);
    var images = attachmentsElement(message.attachments);
    if (images) node.appendChild(images);
    if (!own && message.choices && message.choices.length) node.appendChild(choicesElement(message.choices));
    var meta = document.createElement("div");
    meta.className = "kc-meta";
    var time = document.createElement("time");
    time.dateTime = message.created_at || "";
    time.textContent = timeFormat.format(parseDate(message.created_at));
    meta.appendChild(time);
    if (own) {
      var status = document.createElement("span");
      status.className = "kc-state";
      meta.appendChild(status);
    }
    node.appendChild(meta);
    return node;
  }

  /** The bot's 猜你想问: each question is a button that asks it. */
  function choicesElement(choices) {
    var box = document.createElement("div");
    box.className = "kc-choices";
    choices.forEach(function (question) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "kc-choice";
      button.textContent = question;
      button.addEventListener("click", function () {
        if (!state.started) start();
        sendMessage(String(question).slice(0, MAX_BODY), []);
      });
      box.appendChild(button);
    });
    return box;
  }

  function paintStatus(node, entry) {
    var status = node.querySelector(".kc-state");
    if (!status) return;
    var stateName;
    if (entry.failed) stateName = "failed";
    else if (entry.local) stateName = "sending";
    else stateName = entry.message.seq <= (state.peerReadSeq[entry.message.conversation] || 0) ? "read" : "delivered";
    if (status.getAttribute("data-state") === stateName) return;
    status.setAttribute("data-state", stateName);
    status.className = "kc-state kc-state-" + stateName;
    node.classList.toggle("kc-failed", stateName === "failed");
    status.textContent = t(stateName);
    if (stateName === "failed") {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "kc-retry";
      button.textContent = t("retry");
      button.addEventListener("click", function () { retry(entry.message.client_id); });
      status.appendChild(document.createTextNode(" "));
      status.appendChild(button);
    }
  }

  function entries() {
    var list = [];
    state.messages.forEach(function (message, key) { list.push({ key: "m" + key, message: message, local: false }); });
    list.sort(function (a, b) { return a.message.conversation - b.message.conversation || a.message.seq - b.message.seq; });
    var locals = [];
    state.pending.forEach(function (item) { locals.push({ item: item, failed: false }); });
    state.failed.forEach(function (entry) { locals.push({ item: entry.item, failed: true }); });
    locals.sort(function (a, b) { return String(a.item.created_at).localeCompare(String(b.item.created_at)); });
    locals.forEach(function (local) {
      var item = local.item;
      list.push({
        key: "p" + item.client_id,
        local: true,
        failed: local.failed,
        message: { sender_kind: "customer", body: item.body, attachments: item.attachments, client_id: item.client_id, created_at: item.created_at },
      });
    });
    return list;
  }

  function nearBottom() { return el.list.scrollHeight - el.list.scrollTop - el.list.clientHeight < 80; }

  var stickToBottom = true;
  function keepAtBottom() { if (stickToBottom) el.list.scrollTop = el.list.scrollHeight; }
  // A card (rating, identify), a notice or a phone's keyboard shrinks the list: keep the newest message in view.
  el.list.addEventListener("scroll", function () { stickToBottom = nearBottom(); }, { passive: true });
  if (window.ResizeObserver) new ResizeObserver(keepAtBottom).observe(el.list);

  function render(forceBottom) {
    var wasAtBottom = stickToBottom || nearBottom(); // a card that just shrank the list must not unstick it
    var list = entries();
    var fragment = document.createDocumentFragment();
    var seen = new Set();
    var lastDay = null;
    var previous = null;
    list.forEach(function (entry) {
      var date = parseDate(entry.message.created_at);
      var day = dayKey(date);
      if (day !== lastDay) {
        var separator = document.createElement("div");
        separator.className = "kc-day";
        separator.setAttribute("role", "separator");
        separator.textContent = dayLabel(date);
        fragment.appendChild(separator);
        lastDay = day;
        previous = null;
      }
      var node = elementCache.get(entry.key);
      if (!node) {
        node = buildElement(entry);
        elementCache.set(entry.key, node);
      }
      seen.add(entry.key);
      var message = entry.message;
      var head = node.querySelector(".kc-msg-head");
      if (head) {
        var sameSender = previous && previous.sender_kind === message.sender_kind && previous.sender_name === message.sender_name &&
          date - parseDate(previous.created_at) < 5 * 60 * 1000;
        head.hidden = Boolean(sameSender);
      }
      paintStatus(node, entry);
      fragment.appendChild(node);
      previous = message;
    });
    elementCache.forEach(function (_node, key) { if (!seen.has(key)) elementCache.delete(key); });
    el.empty.hidden = list.length > 0;
    fragment.insertBefore(el.empty, fragment.firstChild);
    el.list.replaceChildren(fragment);
    stickToBottom = forceBottom || wasAtBottom;
    keepAtBottom();
    renderHeader();
  }

  function renderConnection() {
    if (state.connected || !state.started) {
      el.connection.hidden = true;
    } else {
      el.connection.textContent = state.everConnected ? t("reconnecting") : t("connecting");
      el.connection.hidden = false;
    }
    el.imageBtn.disabled = !state.token;
  }

  function renderHeader() {
    var conversation = state.conversation;
    var kind = conversation ? conversation.assignee_kind : null;
    var resolved = conversation && conversation.status === "resolved";
    var online = state.inbox.online !== false;
    // In the queue means waiting for a person: the bot has handed over even if no summary said so yet.
    var queued = Boolean(state.queue && conversation && state.queue.conversation === conversation.id && kind !== "agent" && !resolved);
    if (queued && kind === "bot") kind = "none";
    var name;
    var avatar;
    if (kind === "agent" && conversation.assignee_name) {
      name = t("agent_label", { name: conversation.assignee_name });
      avatar = initial(conversation.assignee_name);
    } else if (kind === "bot" || (!conversation && config.bot_enabled)) {
      name = t("bot_label", { name: config.bot_name });
      avatar = initial(config.bot_name);
    } else if (conversation && kind === "none" && !resolved) {
      name = t("waiting_agent");
      avatar = initial(config.shop_name);
    } else {
      name = t("online_service");
      avatar = initial(config.shop_name);
    }
    var offlineText = state.inbox.hours ? t("offline_hours", { hours: state.inbox.hours }) : t("offline");
    var botServes = kind === "bot" || (!conversation && config.bot_enabled);
    // The bot answers at any hour: while it serves, the header names it (the grey dot and the title tell the hours).
    if (!online && kind !== "agent" && !botServes) name = offlineText;
    el.whoName.textContent = name;
    if (online) el.whoName.removeAttribute("title");
    else el.whoName.title = offlineText;
    el.whoAvatar.textContent = avatar;
    el.whoAvatar.classList.toggle("kc-bot", botServes && kind !== "agent");
    el.whoAvatar.hidden = !(kind === "agent" || kind === "bot" || (!conversation && config.bot_enabled));
    el.onlineDot.classList.toggle("off", !online);

    if (queued) {
      el.queue.textContent = state.queue.position > 0 ? t("queue_ahead", { position: state.queue.position }) : t("queue_next");
    }
    el.queue.hidden = !queued;
    el.human.hidden = !(conversation && !resolved && (kind === "bot" || (kind === "none" && !queued)));
  }

  function openLightbox(url, name) {
    el.lightboxImg.src = url;
    el.lightboxImg.alt = name || t("image");
    el.lightbox.hidden = false;
    el.lightbox.querySelector("button").focus();
  }

  function closeLightbox() {
    el.lightbox.hidden = true;
    el.lightboxImg.removeAttribute("src");
  }

  // ---- composer ----------------------------------------------------------------------------
  function autosize() {
    el.input.style.height = "auto";
    el.input.style.height = Math.min(el.input.scrollHeight + 2, 140) + "px";
  }

  function stopTyping() {
    clearTimeout(state.typingIdleTimer);
    if (state.typingSentAt) send({ type: "typing", active: false });
    state.typingSentAt = 0;
  }

  function noteTyping() {
    if (!state.connected) return;
    if (Date.now() - state.typingSentAt > 3000) {
      send({ type: "typing", active: true });
      state.typingSentAt = Date.now();
    }
    clearTimeout(state.typingIdleTimer);
    state.typingIdleTimer = setTimeout(stopTyping, 4000);
  }

  function submitComposer() {
    var body = el.input.value.trim();
    if (!body) return;
    if (body.length > MAX_BODY) {
      showNotice(t("too_long"), true);
      return;
    }
    if (!state.started) start();
    sendMessage(body, []);
    el.input.value = "";
    toggleEmoji(false);
    autosize();
    stopTyping();
    el.input.focus();
  }

  el.form.addEventListener("submit", function (event) {
    event.preventDefault();
    submitComposer();
  });

  el.input.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || event.shiftKey || event.isComposing || event.keyCode === 229) return;
    event.preventDefault(); // Enter sends; Shift+Enter and an IME's Enter keep their meaning
    submitComposer();
  });

  el.input.addEventListener("input", function () {
    autosize();
    if (el.input.value.trim()) noteTyping();
  });

  // ---- emoji ---------------------------------------------------------------------------------
  function toggleEmoji(open) {
    el.emoji.hidden = !open;
    el.emojiBtn.setAttribute("aria-expanded", open ? "true" : "false");
  }

  el.emojiBtn.addEventListener("click", function () { toggleEmoji(el.emoji.hidden); });

  el.emoji.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-emoji]");
    if (!button) return;
    var emoji = button.getAttribute("data-emoji");
    var start = el.input.selectionStart === null ? el.input.value.length : el.input.selectionStart;
    var end = el.input.selectionEnd === null ? start : el.input.selectionEnd;
    el.input.value = el.input.value.slice(0, start) + emoji + el.input.value.slice(end);
    el.input.focus();
    el.input.setSelectionRange(start + emoji.length, start + emoji.length);
    autosize();
  });

  document.addEventListener("click", function (event) {
    if (!el.emoji.hidden && !el.emoji.contains(event.target) && !el.emojiBtn.contains(event.target)) toggleEmoji(false);
  });

  // ---- images --------------------------------------------------------------------------------
  el.imageBtn.addEventListener("click", function () {
    if (!state.token) {
      showNotice(t("not_ready"), true);
      if (!state.started) start();
      return;
    }
    el.file.click();
  });

  el.file.addEventListener("change", function () {
    var file = el.file.files && el.file.files[0];
    el.file.value = "";
    if (!file) return;
    if (IMAGE_TYPES.indexOf(file.type) === -1) { showNotice(t("not_image"), true); return; }
    if (file.size > MAX_IMAGE_BYTES) { showNotice(t("too_big"), true); return; }
    uploadImage(file);
  });

  function uploadImage(file) {
    var data = new FormData();
    data.append("file", file, file.name);
    showNotice(t("uploading"), false);
    el.imageBtn.disabled = true;
    fetch(config.upload_url, { method: "POST", headers: { "X-Visitor-Token": state.token || "" }, body: data, credentials: "omit" })
      .then(function (response) {
        return response.json().catch(function () { return { error: { message: t("upload_failed") } }; });
      })
      .then(function (result) {
        if (result && result.error) { showNotice(result.error.message || t("upload_failed"), true); return; }
        el.notice.hidden = true;
        sendMessage("", [{ url: result.url, name: result.name, content_type: result.content_type, size: result.size }]);
      })
      .catch(function () { showNotice(t("upload_failed"), true); })
      .then(function () { el.imageBtn.disabled = !state.token; });
  }

  // ---- a person (human.request), identify yourself, satisfaction ------------------------------------------------
  el.human.addEventListener("click", function () {
    if (!send({ type: "human.request", ref: "human" })) { showNotice(t("not_ready"), true); return; }
    el.human.disabled = true;
  });

  el.identifyBtn.addEventListener("click", function () {
    var open = el.identify.hidden;
    el.identify.hidden = !open;
    el.identifyBtn.setAttribute("aria-expanded", open ? "true" : "false");
    if (open) {
      el.identifyError.hidden = true;
      if (!state.started) start();
      el.orderNumber.focus();
    }
  });

  document.getElementById("kc-identify-cancel").addEventListener("click", function () {
    el.identify.hidden = true;
    el.identifyBtn.setAttribute("aria-expanded", "false");
    el.input.focus();
  });

  el.identify.addEventListener("submit", function (event) {
    event.preventDefault();
    var orderNumber = el.orderNumber.value.trim();
    var phone = el.phone.value.trim();
    el.identifyError.hidden = true;
    if (!orderNumber || !phone) {
      el.identifyError.textContent = t("identify_missing");
      el.identifyError.hidden = false;
      return;
    }
    if (!send({ type: "identify", ref: "identify", order_number: orderNumber, phone: phone })) {
      el.identifyError.textContent = t("not_ready");
      el.identifyError.hidden = false;
      return;
    }
    el.identifySubmit.disabled = true;
  });

  function paintStars(score) {
    el.rating.querySelectorAll(".kc-star").forEach(function (star) {
      var value = Number(star.getAttribute("data-score"));
      star.setAttribute("aria-pressed", value === score ? "true" : "false");
      star.classList.toggle("kc-lit", value <= score);
    });
  }

  el.rating.querySelectorAll(".kc-star").forEach(function (star) {
    star.addEventListener("click", function () {
      state.ratingScore = Number(star.getAttribute("data-score"));
      paintStars(state.ratingScore);
      el.ratingError.hidden = true;
    });
  });

  el.rating.addEventListener("submit", function (event) {
    event.preventDefault();
    if (!state.ratingScore) {
      el.ratingError.textContent = t("rating_required");
      el.ratingError.hidden = false;
      return;
    }
    var frame = { type: "rate", ref: "rate", score: state.ratingScore, comment: el.ratingComment.value.trim() };
    if (!send(frame)) {
      el.ratingError.textContent = t("not_ready");
      el.ratingError.hidden = false;
      return;
    }
    el.ratingSubmit.disabled = true;
  });

  document.getElementById("kc-rating-skip").addEventListener("click", function () {
    el.rating.hidden = true;
    markRated(state.conversation && state.conversation.id);
  });

  // ---- page-level keys and events ------------------------------------------------------------
  el.lightbox.addEventListener("click", closeLightbox);
  // Closed from inside: count what arrives from now on as unread at once, not after the host page's answer.
  function closePanel() {
    if (config.embed) setPanelOpen(false);
    toParent({ kefu: "close" });
  }
  if (el.close) el.close.addEventListener("click", closePanel);

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    if (!el.lightbox.hidden) { closeLightbox(); return; }
    if (!el.emoji.hidden) { toggleEmoji(false); el.input.focus(); return; }
    closePanel();
  });

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState !== "visible") return;
    if (state.panelOpen) {
      state.unread = 0;
      if (!config.embed) document.title = config.title;
      toParent({ kefu: "unread", count: 0 });
    }
    maybeSendRead();
    reconnectNow();
  });
  window.addEventListener("focus", maybeSendRead);
  window.addEventListener("online", reconnectNow);

  // ---- start -----------------------------------------------------------------------------------
  renderConnection();
  render(true);
  toParent({ kefu: "ready", color: config.inbox.color });
  // Standalone: connect at once. In the widget, connect at load only for a known visitor (so the
  // unread dot works); a new visitor gets a token when the panel is first opened.
  if (!config.embed || state.token || state.pending.length) start();
  renderConnection();

  window.kefuChat = { state: state }; // for people debugging a page, and for the browser tests
})();
