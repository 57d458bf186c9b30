// Page behaviour without inline scripts (the Content-Security-Policy allows none).
// Charts: an element with data-chart="ID" is drawn from the JSON in <script id="ID" type="application/json">:
// {categories, values, unit} is one bar series; {categories, series: [{name, values, color}], unit, stack}
// several (stacked when `stack`); {pie: [{name, value, color}]} a pie.
const chartOption = (spec) => {
  if (spec.pie) {
    return {
      tooltip: { trigger: "item", formatter: "{b}：{c}（{d}%）" },
      legend: { bottom: 0 },
      series: [{
        type: "pie",
        radius: ["35%", "65%"],
        data: spec.pie.map((p) => ({ name: p.name, value: Number(p.value), itemStyle: p.color ? { color: p.color } : undefined })),
      }],
    };
  }
  const series = spec.series || [{ name: spec.unit || "", values: spec.values }];
  return {
    tooltip: { trigger: "axis" },
    legend: spec.series ? { bottom: 0 } : undefined,
    grid: { left: 48, right: 16, top: 32, bottom: spec.series ? 56 : 32 },
    xAxis: { type: "category", data: spec.categories },
    yAxis: { type: "value", name: spec.unit || "万元" },
    series: series.map((s) => ({
      type: "bar",
      name: s.name,
      stack: spec.stack ? "total" : undefined,
      data: s.values.map(Number),
      itemStyle: s.color ? { color: s.color } : undefined,
    })),
  };
};

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-chart]").forEach((el) => {
    if (!window.echarts) return;
    const spec = JSON.parse(document.getElementById(el.dataset.chart).textContent);
    window.echarts.init(el).setOption(chartOption(spec));
  });
  // Confirm dangerous actions: <button data-confirm="…">.
  document.body.addEventListener("click", (e) => {
    const btn = e.target.closest("[data-confirm]");
    if (btn && !window.confirm(btn.dataset.confirm)) e.preventDefault();
  });
});

// Goal declaration (goals/edit.html): the indicator formset, 二级 options that follow 一级, rows marked by
// the live findings, operator and unit filled from a typed target, and 「添加」 from recommendations.
(() => {
  const treeOf = (root) => {
    const holder = root && root.dataset.tree && document.getElementById(root.dataset.tree);
    return holder ? JSON.parse(holder.textContent) : {};
  };

  // 二级 options for the 一级 chosen in the same row (or form); a value outside the tree stays selectable.
  const fillLevel2 = (level1, keep) => {
    const scope = level1.closest("[data-formset-row]") || level1.form;
    const level2 = scope && scope.querySelector("[data-level2]");
    if (!level2) return;
    const wanted = keep !== undefined ? keep : level2.value;
    const names = treeOf(level1.closest("[data-indicator-form]"))[level1.value] || [];
    const options = level2.querySelector('option[value=""]') ? [""] : [];
    level2.replaceChildren(
      ...options.concat(names, wanted && !names.includes(wanted) ? [wanted] : []).map((name) => new Option(name || "—", name)),
    );
    level2.value = wanted || "";
  };

  const renumber = (body) => {
    let n = 0;
    body.querySelectorAll("[data-formset-row]").forEach((row) => {
      const cell = row.querySelector("[data-row-number]");
      if (!row.classList.contains("d-none") && cell) cell.textContent = String(++n);
    });
  };

  // A new row from the empty form, filled with `values` (field name → value); returns the row.
  const addRow = (container, values) => {
    const prefix = container.dataset.prefix;
    const total = document.getElementById(`id_${prefix}-TOTAL_FORMS`);
    const index = Number(total.value);
    const html = container.querySelector("template[data-formset-template]").innerHTML.replaceAll("__prefix__", String(index));
    const body = container.querySelector("[data-formset-body]");
    body.insertAdjacentHTML("beforeend", html);
    total.value = String(index + 1);
    const row = body.lastElementChild;
    const field = (name) => row.querySelector(`[name="${prefix}-${index}-${name}"]`);
    Object.entries(values || {}).forEach(([name, value]) => {
      const el = field(name);
      if (!el || name === "level2") return;
      if (el.type === "checkbox") el.checked = value === "True" || value === "true";
      else el.value = value;
    });
    const level1 = field("level1");
    if (level1) fillLevel2(level1, (values && values.level2) || "");
    renumber(body);
    // Let the live check see the new row (htmx listens for input events on the form).
    (field("name") || row.querySelector("input")).dispatchEvent(new Event("input", { bubbles: true }));
    return row;
  };

  // Mark the rows and fields the findings point at; fill operator and unit read from a typed target.
  const markFindings = () => {
    const table = document.querySelector("[data-indicator-table]");
    if (!table) return;
    table.querySelectorAll("tr[data-row]").forEach((row) => row.classList.remove("table-danger", "table-warning"));
    table.querySelectorAll(".is-invalid").forEach((el) => el.classList.remove("is-invalid"));
    document.querySelectorAll("[data-finding][data-row]").forEach((item) => {
      const row = table.querySelector(`tr[data-row="${item.dataset.row}"]`);
      if (!row) return;
      const blocking = item.dataset.severity === "blocking";
      if (blocking) row.classList.remove("table-warning");
      if (blocking || !row.classList.contains("table-danger")) row.classList.add(blocking ? "table-danger" : "table-warning");
      const column = item.dataset.column && row.querySelector(`[name$="-${item.dataset.column}"]`);
      if (column && blocking) column.classList.add("is-invalid");
    });
    document.querySelectorAll("[data-parsed]").forEach((hint) => {
      const row = table.querySelector(`tr[data-row="${hint.dataset.row}"]`);
      if (!row) return;
      const operator = row.querySelector("[data-operator]");
      const unit = row.querySelector("[data-unit]");
      if (operator && !operator.value && hint.dataset.operator) operator.value = hint.dataset.operator;
      if (unit && !unit.value && hint.dataset.unit) unit.value = hint.dataset.unit;
    });
  };

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("[data-formset-body]").forEach(renumber);
    markFindings();
  });
  document.addEventListener("htmx:afterSettle", markFindings);

  document.addEventListener("change", (e) => {
    if (e.target.matches("[data-level1]")) fillLevel2(e.target, "");
  });

  document.addEventListener("click", (e) => {
    const add = e.target.closest("[data-formset-add]");
    if (add) {
      const container = document.querySelector("[data-formset]");
      const row = addRow(container, {});
      (row.querySelector("[data-level1]") || row.querySelector("input, select")).focus();
      return;
    }
    const remove = e.target.closest("[data-formset-remove]");
    if (remove) {
      const row = remove.closest("[data-formset-row]");
      row.querySelector('input[name$="-DELETE"]').checked = true;
      row.classList.add("d-none");
      renumber(row.parentElement);
      row.querySelector('input[name$="-DELETE"]').dispatchEvent(new Event("input", { bubbles: true }));
      return;
    }
    const suggestion = e.target.closest("[data-add-indicator]");
    if (suggestion) {
      const container = document.querySelector("[data-formset]");
      const row = addRow(container, JSON.parse(suggestion.dataset.addIndicator));
      row.scrollIntoView({ block: "center" });
      suggestion.textContent = "已添加";
      suggestion.disabled = true;
      return;
    }
    // A finding points at its row: a click takes the user there.
    const finding = e.target.closest("[data-finding][data-row]");
    if (finding) {
      const row = document.querySelector(`[data-indicator-table] tr[data-row="${finding.dataset.row}"]`);
      if (!row) return;
      row.scrollIntoView({ block: "center" });
      const field = (finding.dataset.column && row.querySelector(`[name$="-${finding.dataset.column}"]`)) || row.querySelector("input, select");
      if (field) field.focus();
    }
    // 全选 of a list's checkboxes: <input data-check-all="NAME"> ticks every checkbox named NAME.
    const all = e.target.closest("[data-check-all]");
    if (all) {
      document.querySelectorAll(`input[type=checkbox][name="${all.dataset.checkAll}"]`).forEach((box) => {
        box.checked = all.checked;
      });
    }
  });
})();

// 事前评估 and 预算评审 pages.
(() => {
  // An amount typed in 万元 as an exact integer of millionths (the fen), or null when not a number.
  const micro = (text) => {
    const m = String(text || "").trim().replace(/,/g, "").match(/^(-?)(\d*)(?:\.(\d{0,6}))?$/);
    if (!m || (m[2] === "" && !m[3])) return null;
    const value = BigInt(m[2] || "0") * 1000000n + BigInt((m[3] || "").padEnd(6, "0"));
    return m[1] ? -value : value;
  };
  const plain = (value, places) => {
    const negative = value < 0n;
    const digits = (negative ? -value : value).toString().padStart(7, "0");
    const whole = digits.slice(0, -6);
    const fraction = digits.slice(-6).slice(0, places);
    return `${negative ? "-" : ""}${whole}${places ? "." + fraction : ""}`;
  };
  const short = (value) => plain(value, 6).replace(/\.?0+$/, "");
  // Half-up to `places` decimals of a non-negative millionths value.
  const rounded = (value, places) => {
    const unit = 10n ** BigInt(6 - places);
    return ((value + unit / 2n) / unit) * unit;
  };

  // 预算评审 (data-review-amounts): 送审 = 审定 + 审减. Typing two fills the third (unless the user typed it
  // too); the line under the fields says whether the three agree, and the 审减率. The server decides.
  const reviewAmounts = (form) => {
    const field = (name) => form.querySelector(`[data-amount="${name}"]`);
    const [submitted, approved, reduced] = ["submitted", "approved", "reduced"].map(field);
    const check = form.querySelector("[data-invariant]");
    if (!submitted || !approved || !reduced || !check) return;
    const s = micro(submitted.value);
    const a = micro(approved.value);
    let r = micro(reduced.value);
    if (s !== null && a !== null && (r === null || reduced.dataset.filled === "auto")) {
      r = s - a;
      reduced.value = short(r);
      reduced.dataset.filled = "auto";
    }
    if (s === null || a === null || r === null) {
      check.textContent = "送审 = 审定 + 审减";
      check.className = "small text-muted";
      return;
    }
    const ok = s === a + r && a >= 0n && r >= 0n;
    const rate = s > 0n ? plain(rounded((r * 100000000n) / s, 2), 2) : "—";
    check.textContent = ok
      ? `送审 ${short(s)} = 审定 ${short(a)} + 审减 ${short(r)}（万元），审减率 ${rate}%`
      : `不相等：送审 ${short(s)} ≠ 审定 ${short(a)} + 审减 ${short(r)}（万元）`;
    check.className = ok ? "small text-success" : "small text-danger fw-semibold";
  };

  // 事前评估 (data-assessment-form): the total of the scores, each dimension's subtotal, and the conclusion
  // band the total falls in (the bands are in the JSON script named by data-bands, highest first).
  const assessmentTotal = (form) => {
    let total = 0n;
    let complete = true;
    const subtotals = {};
    form.querySelectorAll("[data-score]").forEach((input) => {
      const value = micro(input.value);
      if (value === null) complete = false;
      const points = micro(input.dataset.points);
      input.classList.toggle("is-invalid", value !== null && (value < 0n || value > points));
      const dimension = input.dataset.dimension;
      subtotals[dimension] = (subtotals[dimension] || 0n) + (value || 0n);
      total += value || 0n;
    });
    Object.entries(subtotals).forEach(([dimension, value]) => {
      const cell = form.querySelector(`[data-subtotal="${dimension}"]`);
      if (cell) cell.textContent = plain(value, 2);
    });
    const shown = form.querySelector("[data-total]");
    if (shown) shown.textContent = plain(total, 2);
    const band = form.querySelector("[data-band]");
    const holder = document.getElementById(form.dataset.bands);
    if (!band || !holder) return;
    const bands = JSON.parse(holder.textContent);
    const found = bands.find((b) => total >= micro(b.min));
    band.textContent = complete ? (found ? found.grade : "—") : `${found ? found.grade : "—"}（尚有未评分项）`;
    band.dataset.grade = found ? found.grade : "";
  };

  // The function-point page shows the adjustment factors of the chosen benchmark version only.
  const showFactors = (select) => {
    document.querySelectorAll("[data-benchmark-factors]").forEach((group) => {
      group.classList.toggle("d-none", group.dataset.benchmarkFactors !== select.value);
    });
  };

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("form[data-review-amounts]").forEach(reviewAmounts);
    document.querySelectorAll("form[data-assessment-form]").forEach(assessmentTotal);
  });
  document.addEventListener("input", (e) => {
    const amounts = e.target.closest("form[data-review-amounts]");
    if (amounts) {
      if (e.target.matches('[data-amount="reduced"]')) delete e.target.dataset.filled;
      reviewAmounts(amounts);
    }
    const assessment = e.target.closest("form[data-assessment-form]");
    if (assessment && e.target.matches("[data-score]")) assessmentTotal(assessment);
  });
  document.addEventListener("change", (e) => {
    if (e.target.matches("[data-benchmark-select]")) showFactors(e.target);
  });
})();

// 绩效监控表 (data-monitoring-form): while an indicator's 完成目标可能性 is not 确定能, its deviation causes and
// measures are marked required and a hint says so. The server checks it again on save and submit.
(() => {
  const markCauses = (select) => {
    const row = select.closest("[data-indicator-row]");
    if (!row) return;
    const needed = select.value !== "" && select.value !== select.dataset.likelihood;
    row.querySelectorAll("[data-cause-hint], [data-cause-required]").forEach((el) => el.classList.toggle("d-none", !needed));
    row.querySelectorAll("[data-needs-cause]").forEach((el) => {
      el.required = needed;
    });
    row.classList.toggle("border-warning", needed);
  };
  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("[data-monitoring-form] select[data-likelihood]").forEach(markCauses);
  });
  document.addEventListener("change", (e) => {
    if (e.target.matches("[data-monitoring-form] select[data-likelihood]")) markCauses(e.target);
  });
})();
