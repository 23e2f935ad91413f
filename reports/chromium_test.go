package reports

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// screenshotPath is where TestChromium leaves its picture of the page, for a
// person to look at after a build (reports/out is git-ignored).
const screenshotPath = "out/lockstep-test.png"

// TestChromium renders the sample report in a real browser: what a person
// opens must parse into the same sections and rows the template writes, and
// must draw a page, not a blank.
func TestChromium(t *testing.T) {
	bin := chromium(t)
	r := sampleReport()
	page := filepath.Join(t.TempDir(), "lockstep.html")
	f, err := os.Create(page)
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteHTML(f, r); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	url := "file://" + page

	t.Run("dom", func(t *testing.T) {
		dom := string(runChromium(t, bin, "--dump-dom", url))
		checkPage(t, dom, r)
		for _, h := range []string{"<h2>Summary</h2>", "<h2>Missing instructions</h2>", "<h2>Divergences</h2>",
			"<h2>What the oracle could not run</h2>", "<h2>Silicon</h2>", "<h2>Known oracle mistakes</h2>", "<h2>Coverage</h2>", "<h2>Timeline</h2>"} {
			if !strings.Contains(dom, h) {
				t.Errorf("Chromium's DOM lacks %s", h)
			}
		}
	})

	t.Run("screenshot", func(t *testing.T) {
		if err := os.MkdirAll(filepath.Dir(screenshotPath), 0o755); err != nil {
			t.Fatal(err)
		}
		shot, err := filepath.Abs(screenshotPath)
		if err != nil {
			t.Fatal(err)
		}
		os.Remove(shot) // a stale picture must not pass for this run's
		runChromium(t, bin, "--screenshot="+shot, "--window-size=1280,2400", url)
		f, err := os.Open(shot)
		if err != nil {
			t.Fatalf("Chromium wrote no screenshot: %v", err)
		}
		defer f.Close()
		img, err := png.Decode(f)
		if err != nil {
			t.Fatalf("the screenshot: %v", err)
		}
		if b := img.Bounds(); b.Dx() != 1280 || b.Dy() != 2400 {
			t.Errorf("the screenshot is %dx%d, want 1280x2400", b.Dx(), b.Dy())
		}
		// Text, the verdict's colour, the highlighted rows and the
		// timeline's bars make hundreds of colours; a page that failed to
		// render is one or two.
		if n := colours(img); n < 50 {
			t.Errorf("the screenshot has %d colours; the page did not render", n)
		}
		t.Logf("screenshot: %s", shot)
	})
}

// chromium is the browser's path. Without one the test skips, except in CI,
// where a missing browser must not pass for a working page.
func chromium(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	const msg = "no chromium or chromium-browser on PATH; run `make test`, whose deps install Debian's chromium"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// runChromium runs headless Chromium with args and returns its stdout. Each
// run has its own profile, so runs neither share state nor wait on each
// other's profile lock. Chromium's stderr is noise (GPU, D-Bus) unless it
// fails.
func runChromium(t *testing.T, bin string, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	args = append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=" + t.TempDir()}, args...)
	cmd := exec.CommandContext(ctx, bin, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %v: %v\n%s", bin, args, err, stderr.Bytes())
	}
	return stdout.Bytes()
}

// colours counts the distinct colours of img.
func colours(img image.Image) int {
	seen := map[[4]uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, a := img.At(x, y).RGBA()
			seen[[4]uint32{r, g, bl, a}] = true
		}
	}
	return len(seen)
}
