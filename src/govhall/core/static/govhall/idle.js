/* Warns a signed-in user before the idle sign-out (WCAG 2.2.1 Timing Adjustable).
 *
 * The session expires data-idle-seconds after the server last saved it, and
 * core.middleware.session_idle_timeout saves it at most once a minute, so it may end up
 * to a minute sooner than that after the last request: every deadline here counts from
 * a minute earlier. A page load, an htmx request or 继续使用 in any tab of this site is
 * activity (shared through localStorage). 继续使用 asks GET data-ping (who is signed in),
 * which the middleware counts as activity; a 401 means the session has already ended.
 * The notice only warns: nothing here signs anyone out or keeps a session alive by itself. */
(function () {
  "use strict";
  var box = document.getElementById("idle-warning");
  if (!box || !window.fetch) return;
  var limit = Number(box.getAttribute("data-idle-seconds")) * 1000;
  if (!(limit > 0)) return;
  var SLACK = 60 * 1000;
  var LEAD = Math.min(5 * 60 * 1000, (limit - SLACK) / 2); // warn this long before
  var KEY = "govhall-last-activity";
  var mine = Date.now();
  var state = "";

  function store(t) {
    try { localStorage.setItem(KEY, String(t)); } catch (e) { /* private mode: this tab only */ }
  }
  function last() {
    var t = mine;
    try { t = Math.max(t, Number(localStorage.getItem(KEY)) || 0); } catch (e) { /* ignore */ }
    return t;
  }
  function clock(t) {
    var d = new Date(t);
    return d.getHours() + ":" + String(d.getMinutes()).padStart(2, "0");
  }
  function el(tag, text, cls) {
    var node = document.createElement(tag);
    node.textContent = text;
    if (cls) node.className = cls;
    return node;
  }
  function show(next, nodes, focus) {
    state = next;
    box.replaceChildren.apply(box, nodes);
    // The button that had focus is gone: keep keyboard and screen-reader users here.
    if (focus) box.focus();
  }

  function warn(note) {
    var button = el("button", "继续使用", "btn");
    button.type = "button";
    button.addEventListener("click", keepAlive);
    var nodes = [el("p", "为保护您的信息安全，长时间未操作将自动退出登录。如不操作，将于 " +
      clock(last() + limit - SLACK) + " 前后退出。需要继续办理，请点“继续使用”。"), button];
    if (note) nodes.splice(1, 0, el("p", note, "idle-note"));
    show("warn", nodes, false);
  }
  function ended(focus) {
    var link = el("a", "重新登录", "btn");
    link.href = box.getAttribute("data-login") + "?next=" + encodeURIComponent(location.pathname + location.search);
    show("ended", [el("p", "您因长时间未操作，已退出登录。刚才填写但未提交的内容不会保存。"), link], focus);
  }

  function keepAlive() {
    fetch(box.getAttribute("data-ping"), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (response.ok) {
          mine = Date.now();
          store(mine);
          show("extended", [el("p", "已为您延长登录时间，可以继续办理。")], true);
          setTimeout(function () { if (state === "extended") show("", [], false); }, 8000);
        } else if (response.status === 401 || response.status === 403) {
          ended(true);
        } else {
          warn("网络或服务暂时异常，请稍后再点“继续使用”。");
        }
      })
      .catch(function () { warn("网络或服务暂时异常，请稍后再点“继续使用”。"); });
  }

  function check() {
    if (state === "ended") return;
    var idle = Date.now() - last();
    if (idle >= limit + 5000) {
      ended(false);
    } else if (idle >= limit - SLACK - LEAD) {
      if (state !== "warn") warn();
    } else if (state === "warn") {
      show("", [], false); // activity elsewhere (another tab) moved the deadline
    }
  }

  store(mine);
  document.addEventListener("htmx:afterRequest", function () { mine = Date.now(); store(mine); check(); });
  document.addEventListener("visibilitychange", check);
  window.addEventListener("storage", function (event) { if (event.key === KEY) check(); });
  setInterval(check, 5000);
})();
