package main

import (
	"fmt"
	"io"
	"net/http"
	"time"
)

// scrapeEvery is the scraper's period: Prometheus' usual interval is
// longer (15 s), so a second overstates what watching costs.
const scrapeEvery = time.Second

// scrapeCount is what a scraper did.
type scrapeCount struct {
	total, failed int
	lastErr       error
}

// startScraper GETs http://admin/metrics every scrapeEvery until the
// returned function is called, which returns the counts. With no admin
// address it does nothing.
func startScraper(admin string) func() scrapeCount {
	if admin == "" {
		return func() scrapeCount { return scrapeCount{} }
	}
	stop := make(chan struct{})
	done := make(chan scrapeCount, 1)
	go func() {
		client := &http.Client{Timeout: 5 * time.Second}
		tick := time.NewTicker(scrapeEvery)
		defer tick.Stop()
		var n scrapeCount
		for {
			select {
			case <-stop:
				done <- n
				return
			case <-tick.C:
			}
			n.total++
			if err := scrapeOnce(client, "http://"+admin+"/metrics"); err != nil {
				n.failed++
				n.lastErr = err
			}
		}
	}()
	return func() scrapeCount {
		close(stop)
		return <-done
	}
}

func scrapeOnce(c *http.Client, url string) error {
	resp, err := c.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return err
	}
	if resp.StatusCode != 200 {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	return nil
}
