package demo

import (
	"bytes"
	"embed"
	"fmt"
	htmltemplate "html/template"
	"math"
	"text/template"
)

//go:embed assets
var assetFS embed.FS

// The page's sub-resources: enough of each kind that a browser spreads them
// over all the connections it is willing to open to one host.
const (
	toneSheets  = 3 // generated stylesheets, one per row of tiles
	paletteJS   = 7 // generated scripts, one per connection colour
	galleryRows = 3
	galleryCols = 6
	tiles       = galleryRows * galleryCols
)

// staticSheets and staticScripts are served as they are in assets/.
var (
	staticSheets  = []string{"base.css", "report.css", "gallery.css"}
	staticScripts = []string{"app.js"} // after the palette scripts: it uses them
)

// connColours tell connections apart in the report; the palette scripts hand
// them to the page one by one.
var connColours = [paletteJS]string{
	"#2563eb", "#db2777", "#059669", "#d97706", "#7c3aed", "#0891b2", "#dc2626",
}

// resource is one sub-resource, rendered once when the site is built.
type resource struct {
	path  string
	ctype string
	body  []byte
}

// tile is one gallery image as the page template sees it.
type tile struct {
	ID   string // element id
	Path string // without the load ID
	Alt  string
}

// catalog is everything the site serves. Read-only once built.
type catalog struct {
	byPath      map[string]*resource
	stylesheets []string // paths, in page order
	scripts     []string
	tiles       []tile
	page        *htmltemplate.Template
}

func newCatalog() (*catalog, error) {
	c := &catalog{byPath: make(map[string]*resource)}
	page, err := htmltemplate.ParseFS(assetFS, "assets/index.html")
	if err != nil {
		return nil, err
	}
	c.page = page
	for _, build := range []func() error{c.addSheets, c.addScripts, c.addTiles} {
		if err := build(); err != nil {
			return nil, err
		}
	}
	return c, nil
}

func (c *catalog) add(path, ctype string, body []byte) {
	c.byPath[path] = &resource{path: path, ctype: ctype, body: body}
}

func (c *catalog) addSheets() error {
	const ctype = "text/css; charset=utf-8"
	for _, name := range staticSheets {
		body, err := assetFS.ReadFile("assets/" + name)
		if err != nil {
			return err
		}
		c.stylesheets = append(c.stylesheets, "/demo/css/"+name)
		c.add("/demo/css/"+name, ctype, body)
	}
	for i := range toneSheets {
		body, err := render("tones.css", toneSheet(i))
		if err != nil {
			return err
		}
		path := fmt.Sprintf("/demo/css/tones-%d.css", i)
		c.stylesheets = append(c.stylesheets, path)
		c.add(path, ctype, body)
	}
	return nil
}

func (c *catalog) addScripts() error {
	const ctype = "text/javascript; charset=utf-8"
	for i, colour := range connColours {
		body, err := render("palette.js", map[string]any{"Index": i, "Colour": colour})
		if err != nil {
			return err
		}
		path := fmt.Sprintf("/demo/js/palette-%d.js", i)
		c.scripts = append(c.scripts, path)
		c.add(path, ctype, body)
	}
	for _, name := range staticScripts {
		body, err := assetFS.ReadFile("assets/" + name)
		if err != nil {
			return err
		}
		c.scripts = append(c.scripts, "/demo/js/"+name)
		c.add("/demo/js/"+name, ctype, body)
	}
	return nil
}

func (c *catalog) addTiles() error {
	for i := range tiles {
		body, err := render("tile.svg", tileArt(i))
		if err != nil {
			return err
		}
		path := fmt.Sprintf("/demo/img/tile-%02d.svg", i)
		c.tiles = append(c.tiles, tile{
			ID:   fmt.Sprintf("tile-%02d", i),
			Path: path,
			Alt:  fmt.Sprintf("tile %d of %d", i+1, tiles),
		})
		c.add(path, "image/svg+xml", body)
	}
	return nil
}

// render executes one of the text templates in assets/. Their data is ours,
// never a request's, so text/template's lack of escaping is fine.
func render(name string, data any) ([]byte, error) {
	t, err := template.ParseFS(assetFS, "assets/"+name+".tmpl")
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := t.Execute(&b, data); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// tileHue spreads the tiles round the colour wheel.
func tileHue(i int) float64 { return math.Mod(float64(i)*360/tiles+8, 360) }

// tileArt is the data of one tile's SVG: a diagonal gradient and one of six
// line patterns.
func tileArt(i int) map[string]any {
	h := tileHue(i)
	return map[string]any{
		"Light":   hsl(h, 0.78, 0.64),
		"Dark":    hsl(h+35, 0.70, 0.38),
		"Pattern": i % 6,
	}
}

// toneSheet is the data of stylesheet i: the accent colour of each tile in row i.
func toneSheet(i int) map[string]any {
	type tone struct {
		ID     string
		Accent string
	}
	var tones []tone
	for j := i * galleryCols; j < (i+1)*galleryCols; j++ {
		tones = append(tones, tone{fmt.Sprintf("tile-%02d", j), hsl(tileHue(j), 0.65, 0.45)})
	}
	return map[string]any{"Row": i + 1, "Tones": tones}
}

// hsl converts a colour to #rrggbb: hue in degrees, saturation and lightness
// in [0, 1].
func hsl(h, s, l float64) string {
	h = math.Mod(h, 360)
	chroma := (1 - math.Abs(2*l-1)) * s
	x := chroma * (1 - math.Abs(math.Mod(h/60, 2)-1))
	m := l - chroma/2
	var r, g, b float64
	switch {
	case h < 60:
		r, g = chroma, x
	case h < 120:
		r, g = x, chroma
	case h < 180:
		g, b = chroma, x
	case h < 240:
		g, b = x, chroma
	case h < 300:
		r, b = x, chroma
	default:
		r, b = chroma, x
	}
	byteOf := func(v float64) int { return int(math.Round((v + m) * 255)) }
	return fmt.Sprintf("#%02x%02x%02x", byteOf(r), byteOf(g), byteOf(b))
}
