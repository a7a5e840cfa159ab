package admin_test

import (
	"context"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"holdfast"
	"holdfast/admin"
)

// The live page in a real browser: Chromium (Debian's package) loads it
// while the test opens, uses and closes connections, and the table, the
// charts and the sentence follow, at a desktop's width and a phone's.
// Screenshots go to $HOLDFAST_ARTIFACTS (or a holdfast-artifacts folder in
// the system's temp dir).
func TestLivePageInBrowser(t *testing.T) {
	chromium := findChromium(t)
	extra := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})
	r := newMetricsRig(t, holdfast.EngineAuto, holdfast.Policy{IdleTimeout: time.Minute},
		admin.WithVersion("holdfast test"), admin.WithRefresh(100*time.Millisecond), admin.WithHandler("GET /extra", extra))
	page := openBrowser(t, chromium, r.adminURL)

	page.waitFor("the first frame, with no connection open",
		`holdfastLive.frames > 0 && !$("noConns").hidden && $("sentence").textContent.startsWith("No connection")`)
	page.waitFor("the version, engine and policy",
		`$("version").textContent === "holdfast test" && $("engine").textContent !== "–" && $("policy").textContent.includes("idle timeout") && `+
			`["stats", "connections", "info", "metrics", "extra"].every(p => document.querySelector('footer a[href="' + p + '"]'))`)

	// Three connections: 5 requests, 1, 2.
	get := "GET / HTTP/1.1\r\nHost: x\r\n\r\n"
	busy := exchange(t, r.appAddr, get, true)
	defer busy.Close()
	for range 4 {
		sendAndRead(t, busy, get)
	}
	one := exchange(t, r.appAddr, get, true)
	two := exchange(t, r.appAddr, get, true)
	sendAndRead(t, two, get)
	busyRow := `document.querySelector('#connList tr[data-id]')`
	page.waitFor("three rows, the first with 5 requests", `$("connList").rows.length === 3 && !$("allConns").hidden && $("noConns").hidden && `+
		busyRow+`.cells[5].textContent === "5" && `+busyRow+`.cells[1].textContent === `+jsString(busy.LocalAddr().String()))
	page.waitFor("the sentence", `$("sentence").textContent.startsWith("62 % of requests reused a connection")`)
	page.waitFor("the open-connections chart", `holdfastLive.charts.open.data[1].at(-1) === 3`)
	page.waitFor("the request rate chart", `holdfastLive.charts.rate.data[1].some(v => v > 0)`)
	page.waitFor("the reuse chart", `holdfastLive.charts.reuse.data[1].some(v => v > 0)`)

	// The busy connection's row is updated in place, not rebuilt.
	page.eval(busyRow + `.dataset.mark = "kept"`)
	sendAndRead(t, busy, get)
	page.waitFor("the row updated in place", busyRow+`.cells[5].textContent === "6" && `+busyRow+`.dataset.mark === "kept"`)

	// Two close: the closes show up in the table, the charts and the
	// sentence.
	one.Close()
	two.Close()
	page.waitFor("one row left", `$("connList").rows.length === 1`)
	page.waitFor("the closes table", `document.querySelector('#closes tr[data-reason="client-close"]')?.cells[1].textContent === "2"`)
	page.waitFor("the closes chart", `holdfastLive.charts.closes.series.some(s => s.label === "client-close")`)
	page.waitFor("the requests-per-connection chart", `holdfastLive.charts.perConn.data[1].reduce((a, b) => a + b, 0) === 2`)
	page.waitFor("the sentence on closes", `$("sentence").textContent.includes("most closes are client-close")`)
	page.checkLayout("desktop")
	page.screenshot("live-desktop.png")

	// Past 50 connections the page lists the busiest and the oldest, and
	// the count.
	many := make([]net.Conn, 0, 60)
	for range 60 {
		c, err := net.Dial("tcp", r.appAddr)
		if err != nil {
			t.Fatal(err)
		}
		many = append(many, c)
	}
	page.waitFor("the busiest and oldest", `!$("topConns").hidden && $("connCount").textContent.startsWith("(61 open") && `+
		`$("connBusiest").rows.length === 15 && $("connOldest").rows.length === 15 && $("connBusiest").rows[0].cells[5].textContent === "6"`)
	page.screenshot("live-desktop-many.png")
	for _, c := range many {
		c.Close()
	}

	// A phone's width: one column, nothing wider than the screen.
	page.do(chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile))
	page.waitFor("the charts at the phone's width", `holdfastLive.charts.open.width <= 390`)
	page.waitFor("one row again", `$("connList").rows.length === 1 && !$("allConns").hidden`)
	page.checkLayout("phone")
	page.screenshot("live-phone.png")

	busy.Close()
	page.waitFor("no connection open", `!$("noConns").hidden && $("noConns").textContent === "No connection is open." && $("allConns").hidden`)
	page.screenshot("live-phone-empty.png")
}

// findChromium returns Debian's Chromium, or skips.
func findChromium(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("chromium not installed (Debian package chromium)")
	return ""
}

// browserPage is a headless Chromium tab on the live page.
type browserPage struct {
	t   *testing.T
	ctx context.Context
}

func openBrowser(t *testing.T, chromium, url string) *browserPage {
	t.Helper()
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromium),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 1000),
	)
	ctx, cancelTab := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc() // waits for the browser to exit
	})
	// The first action starts the browser, which lives as long as the
	// context of that action: it gets the tab's own, with no timeout.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatal(err)
	}
	p := &browserPage{t: t, ctx: ctx}
	p.do(chromedp.EmulateViewport(1280, 1000), chromedp.Navigate(url))
	return p
}

// do runs browser actions, each bounded.
func (p *browserPage) do(actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		p.t.Fatal(err)
	}
}

func (p *browserPage) eval(expr string) {
	p.t.Helper()
	p.do(chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := chromedp.Evaluate[any](expr)(ctx, t)
		return err
	}))
}

// waitFor polls a JavaScript condition until it holds (bounded), and
// fails with what the page shows otherwise.
func (p *browserPage) waitFor(what, cond string) {
	p.t.Helper()
	expr := `(() => { const $ = id => document.getElementById(id); try { return !!(` + cond + `); } catch (e) { return false; } })()`
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		ctx, cancel := context.WithTimeout(p.ctx, 10*time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr))
		cancel()
		if err != nil {
			p.t.Fatalf("waiting for %s: %v", what, err)
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			p.screenshot("failed.png")
			text, _ := chromedp.Run(p.ctx, chromedp.Evaluate[string](`document.body.innerText`))
			p.t.Fatalf("the page never showed %s (%s); it shows:\n%s", what, cond, text)
		}
	}
}

// checkLayout asserts that nothing is wider than the viewport and that the
// sentence, the charts and the tables are on the page.
func (p *browserPage) checkLayout(width string) {
	p.t.Helper()
	p.waitFor(width+" layout", `document.documentElement.scrollWidth <= window.innerWidth && `+
		`document.querySelectorAll(".chart canvas").length >= 5 && `+
		`[...document.querySelectorAll(".chart canvas")].every(c => c.getBoundingClientRect().right <= window.innerWidth + 1) && `+
		`$("sentence").getBoundingClientRect().width > 0`)
}

// screenshot saves the page as a test artifact.
func (p *browserPage) screenshot(name string) {
	p.t.Helper()
	dir := os.Getenv("HOLDFAST_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "holdfast-artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		p.t.Error(err)
		return
	}
	ctx, cancel := context.WithTimeout(p.ctx, 30*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		p.t.Errorf("screenshot: %v", err)
		return
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		p.t.Error(err)
		return
	}
	p.t.Logf("screenshot: %s", path)
}

// jsString quotes s for JavaScript.
func jsString(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}
