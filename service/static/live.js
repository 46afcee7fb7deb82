/* The live pages (projector and phone): figures from Server-Sent Events.
 * Each `update` carries absolute figures (edition totals, the project's, the pools'),
 * so applying one twice is harmless. The browser's EventSource reconnects by itself and
 * sends Last-Event-ID; when it gives up, or the stream is silent for 30 s (a ping comes
 * every 10 s), we reconnect from the last id we applied. Meanwhile the page says
 * "reconnecting" and greys the figures instead of showing them as current. */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("live-config").textContent);
  var words = config.words;
  var lastId = config.after;
  var lastHeard = Date.now();
  var source = null;
  var root = document.getElementById("live");
  var statusBox = document.getElementById("live-status");

  function yuan(fen) {
    var negative = fen < 0;
    fen = Math.abs(fen);
    var whole = Math.floor(fen / 100).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    var cents = ("0" + (fen % 100)).slice(-2);
    return (negative ? "-" : "") + "¥" + whole + "." + cents;
  }

  function countTo(el, target) {
    var start = parseInt(el.getAttribute("data-fen") || "0", 10);
    el.setAttribute("data-fen", String(target));
    if (start === target) { el.textContent = yuan(target); return; }
    var began = null;
    function step(now) {
      if (began === null) began = now;
      var t = Math.min(1, (now - began) / 800);
      var eased = 1 - Math.pow(1 - t, 3);
      el.textContent = yuan(Math.round(start + (target - start) * eased));
      if (t < 1 && el.getAttribute("data-fen") === String(target)) requestAnimationFrame(step);
      else if (t >= 1) el.textContent = yuan(target);
    }
    requestAnimationFrame(step);
    el.classList.remove("bump"); void el.offsetWidth; el.classList.add("bump");
  }

  function setState(state) {
    root.setAttribute("data-state", state);
    statusBox.hidden = state === "live";
  }

  var celebrating = [];
  function celebrate(title) {
    celebrating.push(title);
    if (celebrating.length > 1) return;
    showNext();
  }
  function showNext() {
    var box = document.getElementById("celebrate");
    if (!celebrating.length) { box.hidden = true; return; }
    box.querySelector("[data-title]").textContent = celebrating[0];
    box.hidden = false;
    box.classList.remove("go"); void box.offsetWidth; box.classList.add("go");
    setTimeout(function () { celebrating.shift(); showNext(); }, 6000);
  }

  function updateProject(p) {
    var row = document.querySelector('[data-project="' + p.id + '"]');
    if (!row) return;
    var target = p.target || parseInt(row.getAttribute("data-target"), 10) || 0;
    var pct = target ? Math.min(100, Math.floor(p.pledged * 100 / target)) : 0;
    var wasClaimed = row.classList.contains("claimed");
    row.querySelector("[data-bar]").style.width = pct + "%";
    row.querySelector("[data-pct]").textContent = pct + "%";
    row.querySelector("[data-pledged]").textContent = yuan(p.pledged);
    var matched = row.querySelector("[data-matched]");
    matched.textContent = p.matched ? " · " + words.matched + " " + yuan(p.matched) : "";
    var claimed = target > 0 && p.pledged >= target;
    row.classList.toggle("claimed", claimed);
    row.classList.remove("flash"); void row.offsetWidth; row.classList.add("flash");
    if (claimed && !wasClaimed) celebrate(row.getAttribute("data-title"));
  }

  function addFeed(item) {
    if (item.kind !== "pledge" && item.kind !== "match") return;
    var list = document.getElementById("feed");
    var li = document.createElement("li");
    li.className = "feed-item feed-" + item.kind + " new";
    var verb = item.kind === "match" ? words.matched : (item.whole_project ? words.claimed_whole : words.pledged);
    [["feed-who", item.donor || ""], ["feed-verb", verb],
     ["feed-what", item.project || words.general_fund], ["feed-amount", yuan(item.amount_fen || 0)]
    ].forEach(function (part) {
      var span = document.createElement("span");
      span.className = part[0];
      span.textContent = part[1];
      li.appendChild(span);
    });
    list.insertBefore(li, list.firstChild);
    while (list.children.length > config.feed_length) list.removeChild(list.lastChild);
  }

  function updatePools(pools) {
    var box = document.getElementById("pools-box");
    var list = document.getElementById("pools");
    box.hidden = !pools.length;
    pools.forEach(function (pool) {
      var row = list.querySelector('[data-pool="' + pool.id + '"]');
      if (!row) {
        row = document.createElement("li");
        row.setAttribute("data-pool", pool.id);
        var name = document.createElement("span");
        name.className = "pool-name";
        name.textContent = pool.sponsor + " · " + pool.name + "（" + pool.ratio + "）";
        var left = document.createElement("span");
        left.className = "pool-left";
        left.textContent = words.remaining + " ";
        var b = document.createElement("b");
        b.setAttribute("data-remaining", "");
        left.appendChild(b);
        row.appendChild(name); row.appendChild(left);
        list.appendChild(row);
      }
      row.querySelector("[data-remaining]").textContent = yuan(pool.remaining_fen);
    });
  }

  function apply(data) {
    if (data.id <= lastId) return;
    lastId = data.id;
    ["pledged", "received", "matched"].forEach(function (name) {
      document.querySelectorAll('[data-total="' + name + '"]').forEach(function (el) {
        countTo(el, data.totals[name]);
      });
    });
    if (data.project) updateProject(data.project);
    if (data.pools) updatePools(data.pools);
    if (data.item) addFeed(data.item);
    root.setAttribute("data-last-id", String(lastId));
  }

  function connect() {
    if (source) source.close();
    source = new EventSource(config.stream + "?after=" + lastId);
    source.onopen = function () {
      lastHeard = Date.now();
      setState("live");
      root.setAttribute("data-connected", "1");
    };
    source.onerror = function () {
      setState("reconnecting");
      if (source.readyState === EventSource.CLOSED) setTimeout(connect, 2000);
    };
    source.addEventListener("update", function (event) {
      lastHeard = Date.now();
      setState("live");
      apply(JSON.parse(event.data));
    });
    source.addEventListener("ping", function () { lastHeard = Date.now(); setState("live"); });
    source.addEventListener("reset", function () { location.reload(); });
  }

  setInterval(function () {
    if (Date.now() - lastHeard > 30000) { setState("reconnecting"); lastHeard = Date.now(); connect(); }
  }, 5000);
  connect();
})();
