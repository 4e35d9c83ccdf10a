/* t-blas.c -- OpenBLAS, not GSL's reference CBLAS, serves cblas_*.
 *
 * TOOLCHAIN.md pitfall 1: gsl.pc adds -lgslcblas; if that library comes
 * before OpenBLAS in the dynamic linker's search order, cblas_dgemm binds
 * to GSL's slow reference BLAS, for our code and for GSL itself.  This
 * program inspects the running process:
 *   - dladdr on cblas_dgemm / cblas_dsyrk as this program calls them;
 *   - dlsym(RTLD_DEFAULT), the global-scope definition every object
 *     loaded at start-up binds to;
 *   - the GOT slot through which libgsl itself calls cblas_dgemm (read
 *     after gsl_blas_dgemm has run once, so a lazy slot is bound);
 *   - the executable's own DT_NEEDED list and the load order.
 * Debian's libgsl.so.27 has DT_NEEDED libgslcblas.so.0, so libgslcblas is
 * always mapped once libgsl is; what must hold is that it is not on our
 * link line and comes after libopenblas in the search order, so none of
 * its symbols is ever bound.
 */
#define _GNU_SOURCE /* dladdr, dl_iterate_phdr; before any include */

#include "tap.h"

#include <dlfcn.h>
#include <elf.h>
#include <gsl/gsl_blas.h>
#include <gsl/gsl_cblas.h>
#include <gsl/gsl_matrix.h>
#include <link.h>
#include <stdint.h>
#include <string.h>

/* From OpenBLAS's <cblas.h>, which cannot share a translation unit with
 * <gsl/gsl_cblas.h> (TOOLCHAIN.md pitfall 2). */
char *openblas_get_config(void);

/* Name of the object that defines address p ("" if none). */
static const char *
owner(const void *p)
{
    Dl_info info;
    if (p && dladdr(p, &info) && info.dli_fname)
        return info.dli_fname;
    return "";
}

static int
is_openblas(const char *path)
{
    return strstr(path, "libopenblas") != NULL;
}

/* Address of a function as an object pointer for dladdr (ISO C has no
 * direct conversion; a union does it without a warning). */
typedef void generic_fn(void);
static void *
fn_addr(generic_fn *f)
{
    union
    {
        generic_fn *f;
        void *p;
    } u;
    u.f = f;
    return u.p;
}
#define FPTR(f) fn_addr((generic_fn *)(f))

/* Walk of the link map: load order, the GOT slot of libgsl, DT_NEEDED. */
static struct
{
    int index;
    int openblas_at, gslcblas_at, gsl_at; /* -1 if absent */
    char gslcblas_path[512];
    void *gsl_dgemm_slot; /* what libgsl's relocation for cblas_dgemm holds */
    int gsl_reloc_found;
    int exe_needs_gslcblas, exe_needs_openblas, exe_seen;
} walk;

#if __ELF_NATIVE_CLASS == 64
#define REL_SYM(info) ELF64_R_SYM(info)
#else
#define REL_SYM(info) ELF32_R_SYM(info)
#endif

/* A d_ptr may be stored relocated (glibc adjusts most tags in place) or
 * file-relative; both are handled. */
static uintptr_t
dyn_addr(ElfW(Addr) base, ElfW(Addr) ptr)
{
    return ptr >= base ? (uintptr_t)ptr : (uintptr_t)(base + ptr);
}

static void
scan_relocs(ElfW(Addr) base, const ElfW(Rela) *rel, size_t size,
            const ElfW(Sym) *symtab, const char *strtab)
{
    for (size_t i = 0; i < size / sizeof *rel; i++)
    {
        /* JUMP_SLOT, GLOB_DAT and absolute relocations all store the
         * symbol's address at r_offset. */
        const ElfW(Sym) *sym = symtab + REL_SYM(rel[i].r_info);
        if (REL_SYM(rel[i].r_info) != 0 &&
            strcmp(strtab + sym->st_name, "cblas_dgemm") == 0)
        {
            walk.gsl_dgemm_slot = *(void **)(base + rel[i].r_offset);
            walk.gsl_reloc_found = 1;
        }
    }
}

static int
visit(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    (void)data;
    const char *name = info->dlpi_name ? info->dlpi_name : "";
    const int at = walk.index++;
    const ElfW(Dyn) *dyn = NULL;
    for (int i = 0; i < info->dlpi_phnum; i++)
        if (info->dlpi_phdr[i].p_type == PT_DYNAMIC)
            dyn = (const ElfW(Dyn) *)(info->dlpi_addr +
                                      info->dlpi_phdr[i].p_vaddr);
    if (is_openblas(name) && walk.openblas_at < 0)
        walk.openblas_at = at;
    if (strstr(name, "libgslcblas") && walk.gslcblas_at < 0)
    {
        walk.gslcblas_at = at;
        snprintf(walk.gslcblas_path, sizeof walk.gslcblas_path, "%s", name);
    }
    const int is_gsl = strstr(name, "/libgsl.so") != NULL;
    const int is_exe = at == 0;
    if (!dyn || !(is_gsl || is_exe))
        return 0;
    const ElfW(Addr) base = info->dlpi_addr;
    const ElfW(Sym) *symtab = NULL;
    const char *strtab = NULL;
    const ElfW(Rela) *jmprel = NULL, *rela = NULL;
    size_t pltrelsz = 0, relasz = 0;
    for (const ElfW(Dyn) *d = dyn; d->d_tag != DT_NULL; d++)
        switch (d->d_tag)
        {
        case DT_SYMTAB:
            symtab = (const ElfW(Sym) *)dyn_addr(base, d->d_un.d_ptr);
            break;
        case DT_STRTAB:
            strtab = (const char *)dyn_addr(base, d->d_un.d_ptr);
            break;
        case DT_JMPREL:
            jmprel = (const ElfW(Rela) *)dyn_addr(base, d->d_un.d_ptr);
            break;
        case DT_PLTRELSZ: pltrelsz = d->d_un.d_val; break;
        case DT_RELA:
            rela = (const ElfW(Rela) *)dyn_addr(base, d->d_un.d_ptr);
            break;
        case DT_RELASZ: relasz = d->d_un.d_val; break;
        default: break;
        }
    if (!strtab)
        return 0;
    if (is_exe)
    {
        walk.exe_seen = 1;
        for (const ElfW(Dyn) *d = dyn; d->d_tag != DT_NULL; d++)
            if (d->d_tag == DT_NEEDED)
            {
                const char *lib = strtab + d->d_un.d_val;
                tap_diag("executable needs %s", lib);
                if (strstr(lib, "libgslcblas"))
                    walk.exe_needs_gslcblas = 1;
                if (strstr(lib, "libopenblas"))
                    walk.exe_needs_openblas = 1;
            }
        return 0;
    }
    if (walk.gsl_at < 0)
    {
        walk.gsl_at = at;
        if (symtab && jmprel)
            scan_relocs(base, jmprel, pltrelsz, symtab, strtab);
        if (symtab && rela)
            scan_relocs(base, rela, relasz, symtab, strtab);
    }
    return 0;
}

int
main(void)
{
    tap_begin(0); /* deterministic: no random input here */

    /* A small product with integer entries: exact in any order of
     * summation, so equality is the right test.
     * A = [1 2 3; 4 5 6], B = [7 8; 9 10; 11 12]:
     * AB = [1*7+2*9+3*11, 1*8+2*10+3*12; 4*7+5*9+6*11, 4*8+5*10+6*12]
     *    = [58 64; 139 154]. */
    const double a[6] = {1, 2, 3, 4, 5, 6}, b[6] = {7, 8, 9, 10, 11, 12};
    const double want[4] = {58, 64, 139, 154};
    double c[4] = {-1, -1, -1, -1};
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, 2, 2, 3, 1.0, a, 3,
                b, 2, 0.0, c, 2);
    tap_ok(memcmp(c, want, sizeof c) == 0,
           "cblas_dgemm: [1 2 3; 4 5 6][7 8; 9 10; 11 12] = [58 64; 139 154] "
           "(got [%g %g; %g %g])", c[0], c[1], c[2], c[3]);
    /* Through GSL, which binds its own cblas_dgemm reference. */
    gsl_matrix_const_view A = gsl_matrix_const_view_array(a, 2, 3);
    gsl_matrix_const_view B = gsl_matrix_const_view_array(b, 3, 2);
    gsl_matrix *C = gsl_matrix_alloc(2, 2);
    gsl_matrix_set_all(C, -1);
    gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, &A.matrix, &B.matrix, 0.0,
                   C);
    tap_ok(memcmp(C->data, want, sizeof want) == 0,
           "gsl_blas_dgemm gives the same [58 64; 139 154]");
    gsl_matrix_free(C);
    /* dsyrk: A A^T = [14 32; 32 77], upper triangle. */
    double g[4] = {-1, -1, -1, -1};
    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, 2, 3, 1.0, a, 3, 0.0,
                g, 2);
    tap_ok(g[0] == 14 && g[1] == 32 && g[3] == 77,
           "cblas_dsyrk: upper triangle of A A^T = [14 32; . 77]");

    const char *dgemm_at = owner(FPTR(cblas_dgemm));
    const char *dsyrk_at = owner(FPTR(cblas_dsyrk));
    tap_ok(is_openblas(dgemm_at), "cblas_dgemm as called here lives in "
           "libopenblas (%s)", dgemm_at);
    tap_ok(is_openblas(dsyrk_at), "cblas_dsyrk as called here lives in "
           "libopenblas (%s)", dsyrk_at);
    const char *global_at = owner(dlsym(RTLD_DEFAULT, "cblas_dgemm"));
    tap_ok(is_openblas(global_at), "the global-scope cblas_dgemm is "
           "libopenblas's (%s)", global_at);
    const char *cfg = openblas_get_config();
    tap_ok(cfg && strstr(cfg, "OpenBLAS") != NULL,
           "openblas_get_config answers ('%s')", cfg ? cfg : "(null)");

    walk.openblas_at = walk.gslcblas_at = walk.gsl_at = -1;
    dl_iterate_phdr(visit, NULL);
    tap_ok(walk.gsl_at >= 0 && walk.gsl_reloc_found,
           "libgsl is loaded and has a relocation for cblas_dgemm");
    const char *slot_at = owner(walk.gsl_dgemm_slot);
    tap_ok(is_openblas(slot_at), "libgsl's cblas_dgemm slot points into "
           "libopenblas (%s)", slot_at);
    tap_ok(walk.exe_seen && walk.exe_needs_openblas &&
               !walk.exe_needs_gslcblas,
           "the executable links libopenblas and not libgslcblas");
    if (walk.gslcblas_at >= 0)
        tap_diag("libgslcblas is mapped (%s, a DT_NEEDED of libgsl) at "
                 "link-map position %d; libopenblas at %d",
                 walk.gslcblas_path, walk.gslcblas_at, walk.openblas_at);
    tap_ok(walk.openblas_at >= 0 &&
               (walk.gslcblas_at < 0 || walk.openblas_at < walk.gslcblas_at),
           "libopenblas precedes libgslcblas (if mapped) in the search "
           "order");
    return tap_end();
}
