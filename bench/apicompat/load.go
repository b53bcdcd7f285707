package apicompat

import (
	"errors"
	"fmt"
	"go/types"

	"golang.org/x/tools/go/packages"
)

// Package is a loaded package: its types and the version of the module it
// was loaded from ("" for a module replaced by a directory).
type Package struct {
	Types         *types.Package
	ModuleVersion string
}

// Load type-checks the packages with the given import paths, resolved in the
// module that contains dir, and returns them by path.
func Load(dir string, paths ...string) (map[string]Package, error) {
	cfg := &packages.Config{Mode: packages.NeedName | packages.NeedTypes | packages.NeedModule, Dir: dir}
	pkgs, err := packages.Load(cfg, paths...)
	if err != nil {
		return nil, fmt.Errorf("loading %v: %w", paths, err)
	}
	out := make(map[string]Package, len(pkgs))
	var errs []error
	for _, p := range pkgs {
		for _, e := range p.Errors {
			errs = append(errs, fmt.Errorf("%s: %v", p.PkgPath, e))
		}
		lp := Package{Types: p.Types}
		if p.Module != nil && p.Module.Replace == nil {
			lp.ModuleVersion = p.Module.Version
		}
		out[p.PkgPath] = lp
	}
	for _, p := range paths {
		if out[p].Types == nil {
			errs = append(errs, fmt.Errorf("%s: not loaded", p))
		}
	}
	return out, errors.Join(errs...)
}
