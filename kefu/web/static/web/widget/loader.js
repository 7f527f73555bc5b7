/* Kefu chat widget: <script src="https://HOST/widget.js" data-inbox="<public key>" async></script>
   Adds a round button at the bottom right that opens the shop's chat (/chat/<key>/?embed=1) in an
   iframe panel. Everything lives in a shadow root, so no style leaks into or out of the host page. */
(function () {
  "use strict";

  // Replaced by the server with the strings in the visitor's language (GET /widget.js).
  var STRINGS = /*KEFU_STRINGS*/{"open": "Chat with us", "close": "Close chat", "unread": "New message"}/*END_KEFU_STRINGS*/;

  var script = document.currentScript;
  if (!script) {
    var candidates = document.querySelectorAll("script[data-inbox][src*='widget.js']");
    script = candidates[candidates.length - 1];
  }
  if (!script) return;
  var key = script.getAttribute("data-inbox");
  if (!key) return;
  window.__kefuWidgets = window.__kefuWidgets || {};
  if (window.__kefuWidgets[key]) return; // the tag was pasted twice
  window.__kefuWidgets[key] = true;

  var origin = new URL(script.src, window.location.href).origin;
  var HEX = /^#(?:[0-9a-f]{3}|[0-9a-f]{6})$/i;
  var fixedColor = HEX.test(script.getAttribute("data-color") || "") ? script.getAttribute("data-color") : null;

  var STYLE = [
    ":host { all: initial; }",
    "* { box-sizing: border-box; }",
    ".kefu-launcher { position: fixed; right: 20px; bottom: 20px; z-index: 2147483000; width: 56px; height: 56px; border-radius: 50%;",
    "  border: none; padding: 0; margin: 0; cursor: pointer; background: var(--kefu-color, #1f6feb); color: #fff; display: grid; place-items: center;",
    "  box-shadow: 0 6px 20px rgba(15, 23, 42, 0.28); transition: transform 0.15s ease; font: 400 14px/1 sans-serif; }",
    ".kefu-launcher:hover { transform: scale(1.06); }",
    ".kefu-launcher:focus-visible { outline: 3px solid rgba(31, 111, 235, 0.5); outline-offset: 2px; }",
    ".kefu-launcher svg { width: 28px; height: 28px; display: block; }",
    ".kefu-launcher .kefu-x { display: none; font-size: 30px; line-height: 1; }",
    ".kefu-open .kefu-launcher .kefu-x { display: block; }",
    ".kefu-open .kefu-launcher svg { display: none; }",
    ".kefu-dot { position: absolute; top: -2px; right: -2px; min-width: 20px; height: 20px; padding: 0 5px; border-radius: 10px; background: #e5484d;",
    "  color: #fff; font: 600 12px/20px -apple-system, 'PingFang SC', 'Microsoft YaHei', sans-serif; text-align: center; border: 2px solid #fff; }",
    ".kefu-panel { position: fixed; right: 20px; bottom: 88px; z-index: 2147483000; width: 380px; height: 640px; max-height: calc(100vh - 108px);",
    "  border-radius: 14px; overflow: hidden; background: #fff; box-shadow: 0 12px 40px rgba(15, 23, 42, 0.25); display: none; }",
    ".kefu-open .kefu-panel { display: block; }",
    ".kefu-panel iframe { width: 100%; height: 100%; border: 0; display: block; background: #fff; }",
    "@media (max-width: 600px) {",
    "  .kefu-panel { inset: 0; right: 0; bottom: 0; width: 100%; height: 100%; max-height: none; border-radius: 0; }",
    "  .kefu-open .kefu-launcher { display: none; }",
    "}",
  ].join("\n");

  var host = document.createElement("div");
  host.setAttribute("data-kefu-widget", key);
  host.style.cssText = "all: initial !important; position: static !important; display: block !important; width: 0 !important; height: 0 !important;";
  var root = host.attachShadow ? host.attachShadow({ mode: "open" }) : host;

  var wrapper = document.createElement("div");
  wrapper.className = "kefu-widget";
  var style = document.createElement("style");
  style.textContent = STYLE;

  var launcher = document.createElement("button");
  launcher.type = "button";
  launcher.className = "kefu-launcher";
  launcher.setAttribute("aria-label", STRINGS.open);
  launcher.setAttribute("aria-expanded", "false");
  launcher.title = STRINGS.open;
  launcher.innerHTML =
    '<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="1.9" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true">' +
    '<path d="M20 11.5c0 4.1-3.6 7.5-8 7.5-1.2 0-2.3-.2-3.3-.6L4 20l1.3-3.6C4.5 15 4 13.3 4 11.5 4 7.4 7.6 4 12 4s8 3.4 8 7.5z"/>' +
    '<path d="M8.5 11.5h.01M12 11.5h.01M15.5 11.5h.01" stroke-width="2.6"/></svg><span class="kefu-x" aria-hidden="true">×</span>';
  var dot = document.createElement("span");
  dot.className = "kefu-dot";
  dot.hidden = true;
  dot.style.display = "none";
  launcher.appendChild(dot);

  var panel = document.createElement("div");
  panel.className = "kefu-panel";
  panel.setAttribute("role", "dialog");
  panel.setAttribute("aria-label", STRINGS.open);
  var iframe = document.createElement("iframe");
  iframe.title = STRINGS.open;
  iframe.src = origin + "/chat/" + encodeURIComponent(key) + "/?embed=1";
  iframe.setAttribute("allow", "clipboard-write");
  panel.appendChild(iframe);

  wrapper.appendChild(launcher);
  wrapper.appendChild(panel);
  root.appendChild(style);
  root.appendChild(wrapper);
  if (fixedColor) wrapper.style.setProperty("--kefu-color", fixedColor);

  var open = false;
  var ready = false;

  function tellFrame(message) {
    if (!ready || !iframe.contentWindow) return;
    iframe.contentWindow.postMessage(message, origin);
  }

  function setUnread(count) {
    var show = count > 0 && !open;
    dot.hidden = !show;
    dot.style.display = show ? "block" : "none";
    dot.textContent = count > 99 ? "99+" : String(count);
    launcher.setAttribute("aria-label", show ? STRINGS.open + " (" + STRINGS.unread + ")" : open ? STRINGS.close : STRINGS.open);
  }

  function setOpen(value) {
    open = value;
    wrapper.classList.toggle("kefu-open", open);
    launcher.setAttribute("aria-expanded", open ? "true" : "false");
    launcher.title = open ? STRINGS.close : STRINGS.open;
    setUnread(open ? 0 : Number(dot.textContent) || 0);
    tellFrame({ kefu: "panel", open: open });
    if (open) {
      iframe.focus();
    } else if (root.activeElement === iframe || document.activeElement === host) {
      launcher.focus();
    }
  }

  launcher.addEventListener("click", function () { setOpen(!open); });

  document.addEventListener("keydown", function (event) {
    if (open && event.key === "Escape") setOpen(false);
  });

  window.addEventListener("message", function (event) {
    if (event.origin !== origin || event.source !== iframe.contentWindow) return;
    var data = event.data;
    if (!data || typeof data.kefu !== "string" || data.inbox !== key) return;
    if (data.kefu === "ready") {
      ready = true;
      if (!fixedColor && HEX.test(data.color || "")) wrapper.style.setProperty("--kefu-color", data.color);
      if (open) tellFrame({ kefu: "panel", open: true });
    } else if (data.kefu === "unread") {
      setUnread(open ? 0 : Number(data.count) || 0);
    } else if (data.kefu === "close") {
      setOpen(false);
    }
  });

  function mount() { (document.body || document.documentElement).appendChild(host); }
  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount);

  window.KefuWidget = window.KefuWidget || {};
  window.KefuWidget[key] = { open: function () { setOpen(true); }, close: function () { setOpen(false); } };
})();
