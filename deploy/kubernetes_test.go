package deploy_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"holdfast/internal/config"
)

// manifests are the objects of kubernetes/holdfast.yaml, each decoded
// strictly: a field the API type does not have is an error.
type manifests struct {
	configMap  corev1.ConfigMap
	deployment appsv1.Deployment
	service    corev1.Service
}

func decodeManifests(data []byte) (*manifests, error) {
	var m manifests
	for _, doc := range bytes.Split(data, []byte("\n---\n")) {
		var head struct{ Kind string }
		if err := yaml.Unmarshal(doc, &head); err != nil {
			return nil, err
		}
		var into any
		switch head.Kind {
		case "ConfigMap":
			into = &m.configMap
		case "Deployment":
			into = &m.deployment
		case "Service":
			into = &m.service
		default:
			return nil, &unexpectedKind{head.Kind}
		}
		if err := yaml.UnmarshalStrict(doc, into); err != nil {
			return nil, err
		}
	}
	return &m, nil
}

type unexpectedKind struct{ kind string }

func (e *unexpectedKind) Error() string { return "unexpected kind " + e.kind }

func readManifests(t *testing.T) *manifests {
	t.Helper()
	data, err := os.ReadFile("kubernetes/holdfast.yaml")
	if err != nil {
		t.Fatal(err)
	}
	m, err := decodeManifests(data)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// The manifests decode into the Kubernetes API types with no unknown
// field, and hang together: the probes ask the admin listener's /ready
// and /live, the Service reaches the pods, the grace period outlasts the
// preStop hook, drain-delay and drain-timeout, and the ConfigMap's file
// passes holdfast check.
func TestKubernetesManifests(t *testing.T) {
	m := readManifests(t)
	pod := m.deployment.Spec.Template
	if len(pod.Spec.Containers) != 1 {
		t.Fatalf("%d containers", len(pod.Spec.Containers))
	}
	c := pod.Spec.Containers[0]
	ports := map[string]int32{}
	for _, p := range c.Ports {
		ports[p.Name] = p.ContainerPort
	}
	ready, live := c.ReadinessProbe, c.LivenessProbe
	if ready == nil || ready.HTTPGet == nil || ready.HTTPGet.Path != "/ready" || ports[ready.HTTPGet.Port.StrVal] != 9090 {
		t.Errorf("readiness probe %+v", ready)
	}
	if live == nil || live.HTTPGet == nil || live.HTTPGet.Path != "/live" || ports[live.HTTPGet.Port.StrVal] != 9090 {
		t.Errorf("liveness probe %+v", live)
	}
	for k, v := range m.service.Spec.Selector {
		if pod.Labels[k] != v {
			t.Errorf("the Service selects %s=%s, the pods are %v", k, v, pod.Labels)
		}
	}
	if target := m.service.Spec.Ports[0].TargetPort.StrVal; ports[target] != 8080 {
		t.Errorf("the Service targets port %q; the container's are %v", target, ports)
	}
	f := configMapFile(t, m)
	if f.Listeners[0].Listen != "0.0.0.0:8080" {
		t.Errorf("the file listens on %s, the container port is 8080", f.Listeners[0].Listen)
	}
	if s, _ := f.Setting("admin"); s.Value != "0.0.0.0:9090" {
		t.Errorf("admin on %q, the probes ask port 9090", s.Value)
	}
	preStop := c.Lifecycle.PreStop
	if preStop == nil || preStop.Sleep == nil || preStop.Sleep.Seconds <= 0 {
		t.Fatalf("preStop hook %+v", preStop)
	}
	drainTimeout, _ := f.Setting("drain-timeout")
	needed := time.Duration(preStop.Sleep.Seconds)*time.Second + f.DrainDelay + mustDuration(t, drainTimeout.Value)
	grace := time.Duration(*pod.Spec.TerminationGracePeriodSeconds) * time.Second
	if grace <= needed {
		t.Errorf("terminationGracePeriodSeconds %s; preStop + drain-delay + drain-timeout take %s", grace, needed)
	}
}

func mustDuration(t *testing.T, s string) time.Duration {
	d, err := time.ParseDuration(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// configMapFile checks the ConfigMap's holdfast.yaml as holdfast check
// does, with the image's /srv/www standing for a directory here.
func configMapFile(t *testing.T, m *manifests) *config.File {
	t.Helper()
	text, ok := m.configMap.Data["holdfast.yaml"]
	if !ok {
		t.Fatal("the ConfigMap has no holdfast.yaml")
	}
	dir := t.TempDir()
	text = strings.ReplaceAll(text, "/srv/www", dir)
	f, err := config.Parse(filepath.Join(dir, "holdfast.yaml"), []byte(text))
	if err != nil {
		t.Fatalf("the ConfigMap's holdfast.yaml:\n%v", err)
	}
	return f
}

// A misspelt field is refused, not ignored: the decoding above checks
// something.
func TestKubernetesUnknownFieldRefused(t *testing.T) {
	data, err := os.ReadFile("kubernetes/holdfast.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, mistake := range []struct{ from, to string }{
		{"readinessProbe:", "readinesProbe:"},
		{"terminationGracePeriodSeconds:", "terminationGracePeriod:"},
		{"      port: 80", "      prot: 80"},
	} {
		bad := bytes.Replace(data, []byte(mistake.from), []byte(mistake.to), 1)
		if _, err := decodeManifests(bad); err == nil || !strings.Contains(err.Error(), "unknown field") {
			t.Errorf("%s: %v, want an unknown field", mistake.to, err)
		}
	}
}
