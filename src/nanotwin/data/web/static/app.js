// nanotwin web app: a light layer over server-rendered pages (no framework, no network).
(function () {
  "use strict";
  function $(sel, root) { return (root || document).querySelector(sel); }
  function $all(sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); }

  // --- design form: repeatable groups and optional groups --------------------------------
  function renumber(node, token, i) {
    $all("[name],[id],[for],[data-path],[aria-describedby]", node).concat([node]).forEach(function (el) {
      ["name", "id", "for", "data-path", "aria-describedby"].forEach(function (a) {
        var v = el.getAttribute && el.getAttribute(a);
        if (v && v.indexOf(token) >= 0) { el.setAttribute(a, v.split(token).join(String(i))); }
      });
    });
  }
  document.addEventListener("click", function (ev) {
    var t = ev.target;
    if (t.matches && t.matches("button.add")) {
      var fs = t.closest("fieldset.repeat");
      var tpl = null;
      for (var k = 0; k < fs.children.length; k++) { if (fs.children[k].tagName === "TEMPLATE") { tpl = fs.children[k]; } }
      var i = parseInt(t.getAttribute("data-next"), 10);
      var frag = tpl.content.cloneNode(true);
      var item = frag.firstElementChild;
      renumber(item, tpl.getAttribute("data-token"), i);
      $(".items", fs).appendChild(item);
      t.setAttribute("data-next", String(i + 1));
      var first = $("input,select,textarea", item); if (first) { first.focus(); }
    } else if (t.matches && t.matches("button.remove")) {
      var it = t.closest(".item"); if (it) { it.parentNode.removeChild(it); }
    }
  });
  document.addEventListener("change", function (ev) {
    var t = ev.target;
    if (t.matches && t.matches("input.switch")) {
      var fs = t.closest("fieldset.optional");
      if (fs) { fs.classList.toggle("off", !t.checked); }
    }
  });

  // --- plots --------------------------------------------------------------------------
  function draw(el) {
    if (!window.Plotly || !el.getAttribute("data-fig")) { return; }
    var fig = JSON.parse(el.getAttribute("data-fig"));
    window.Plotly.newPlot(el, fig.data, fig.layout, { responsive: true, displaylogo: false });
    el.setAttribute("data-drawn", "1");
  }
  function drawAll() { $all(".plot[data-fig]").forEach(function (el) { if (!el.classList.contains("hidden")) { draw(el); } }); }
  $all(".tabs .tab").forEach(function (b) {
    b.addEventListener("click", function () {
      $all(".tabs .tab").forEach(function (x) { x.classList.toggle("on", x === b); });
      $all(".plot[data-fig]").forEach(function (p) {
        var show = p.id === b.getAttribute("data-fig");
        p.classList.toggle("hidden", !show);
        if (show) { draw(p); }
      });
    });
  });
  var logy = $("#logy");
  if (logy) {
    logy.addEventListener("change", function () {
      $all(".plot[data-drawn]").forEach(function (p) {
        window.Plotly.relayout(p, { "yaxis.type": logy.checked ? "log" : "linear" });
      });
    });
  }

  // --- run page: poll until done ---------------------------------------------------------
  var st = $("#run-status");
  if (st && (st.dataset.status === "queued" || st.dataset.status === "running")) {
    var poll = function () {
      fetch("/api/runs/" + st.dataset.run, { cache: "no-store" }).then(function (r) { return r.json(); }).then(function (j) {
        $("#status-text").textContent = j.status;
        $("#status-text").className = "status s-" + j.status;
        $("#status-msg").textContent = j.message + (j.status === "running" ? " (" + Math.round(100 * j.progress) + " %)" : "");
        var p = $("#progress"); if (p) { p.value = j.progress; }
        if (j.status === "done" || j.status === "failed") { window.location.reload(); }
        else { setTimeout(poll, 1000); }
      }).catch(function () { setTimeout(poll, 3000); });
    };
    setTimeout(poll, 700);
  }

  // --- image viewer ------------------------------------------------------------------------
  var viewer = $("#viewer");
  if (viewer) {
    var info = JSON.parse(viewer.getAttribute("data-info"));
    var axes = { coronal: 1, sagittal: 0, axial: 2 };
    var img = $("#v-img"), mod = $("#v-mod"), view = $("#v-view"), mip = $("#v-mip"),
      slice = $("#v-slice"), fused = $("#v-fused"), time = $("#v-time");
    var lastView = null;
    var update = function () {
      var n = info.shape[axes[view.value]];
      slice.max = String(n - 1);
      if (view.value !== lastView) { slice.value = String(Math.floor(n / 2)); lastView = view.value; }
      slice.disabled = mip.checked;
      $("#v-slice-n").textContent = mip.checked ? "" : (parseInt(slice.value, 10) + 1) + " / " + n;
      var t = info.times_h[parseInt(time.value, 10)];
      $("#v-time-label").textContent = t + " h";
      var m = mod.value;
      var canFuse = info.modalities.indexOf("CT") >= 0 && ["PET", "SPECT", "CLI", "CRET"].indexOf(m) >= 0;
      fused.disabled = !canFuse;
      img.src = "/runs/" + viewer.dataset.run + "/view.png?m=" + encodeURIComponent(m) + "&t=" + t +
        "&view=" + view.value + "&slice=" + (mip.checked ? -1 : slice.value) + "&fused=" + (fused.checked && canFuse ? 1 : 0);
      img.alt = m + " " + view.value + (mip.checked ? " MIP" : " slice") + " at " + t + " h";
      $("#v-units").textContent = m + " [" + info.units[m] + "], window " + info.range[m][0].toPrecision(3) + " to " + info.range[m][1].toPrecision(3) +
        (fused.checked && canFuse ? "; fused over the CT at the same time" : "");
    };
    [mod, view, mip, slice, fused, time].forEach(function (el) { el.addEventListener("input", update); el.addEventListener("change", update); });
    update();
  }

  // --- local times ---------------------------------------------------------------------------
  $all("[data-epoch]").forEach(function (el) {
    var d = new Date(parseFloat(el.getAttribute("data-epoch")) * 1000);
    el.textContent = d.toLocaleString();
  });

  if (document.readyState === "complete") { drawAll(); } else { window.addEventListener("load", drawAll); }
})();
