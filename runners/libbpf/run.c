// SPDX-License-Identifier: Apache-2.0
/*
 * run: opens and loads the whole object the way a libbpf user does
 * (bpf_object__open_file + bpf_object__load), attaches what the request lists, reads the
 * iterator it names (bpf_program__attach_iter + bpf_iter_create), test-runs one
 * program with bpf_prog_test_run_opts and closes the object again (run.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "info.h"
#include "protocol.h"
#include "run.h"

/* Open, load, test-run; the object is closed before returning. */
static json_t *run_loaded(json_t *reply, const char *elf, const char *prog_name,
			  const char *pin_root, const char *btf_custom_path,
			  const unsigned char *data, size_t data_len, const unsigned char *ctx,
			  size_t ctx_len, unsigned int repeat, int want_info, int autoload_only,
			  json_t *attach, const char *trigger, const char *read_iter,
			  const char *ext_elf, const char *ext_prog)
{
	LIBBPF_OPTS(bpf_object_open_opts, open_opts, .pin_root_path = pin_root,
		    .btf_custom_path = btf_custom_path);
	/* empty data_in: no data at all (raw_tp, syscall refuse a data pointer); ctx_in
	 * (sk_lookup needs a struct bpf_sk_lookup) is NULL unless the request has one */
	LIBBPF_OPTS(bpf_test_run_opts, run_opts, .data_in = data_len ? data : NULL,
		    .data_size_in = data_len, .ctx_in = ctx_len ? ctx : NULL,
		    .ctx_size_in = ctx_len, .repeat = repeat);
	struct bpf_object *obj;
	struct bpf_program *prog;
	struct bpf_link **links = NULL, *iter_link = NULL, *ext_link = NULL;
	struct bpf_object *ext_obj = NULL;
	size_t n_links = 0, i;
	char btf_buf[600];
	long long start;
	int err, fd;

	start = now_ns();
	obj = bpf_object__open_file(elf, &open_opts);
	err = errno;
	set_ns(reply, "open", start);
	if (!obj)
		return fail(reply, "open", REFUSED, err, "bpf_object__open_file(%s): %s%s%s", elf,
			    strerror(err), capture.first_warning[0] ? "; " : "",
			    capture.first_warning);

	if (autoload_only) {
		/* autoload_only: load the named program (and the maps and subprograms it
		 * needs), every other program's autoload off, as the kernel's test_loader does */
		struct bpf_program *p, *want = bpf_object__find_program_by_name(obj, prog_name);

		if (!want) {
			fail(reply, "load", REFUSED, ENOENT, "program '%s' not found in object %s",
			     prog_name, elf);
			goto out;
		}
		bpf_object__for_each_program(p, obj) bpf_program__set_autoload(p, p == want);
	}

	start = now_ns();
	err = bpf_object__load(obj);
	set_ns(reply, "load", start);
	json_object_set_new(reply, "btf", json_string(btf_state(obj, btf_buf, sizeof(btf_buf))));
	if (err) {
		json_object_set_new(reply, "verifier_log",
				    capture.verifier_log ? json_string(capture.verifier_log)
							 : json_null());
		/* libbpf's warning about an unreadable btf_custom_path does not name it */
		fail(reply, "load", REFUSED, -err, "bpf_object__load(%s%s%s): %s%s%s", elf,
		     btf_custom_path ? ", btf_custom_path " : "",
		     btf_custom_path ? btf_custom_path : "", strerror(-err),
		     capture.first_warning[0] ? "; " : "", capture.first_warning);
		goto out;
	}

	/* docs/adapter-protocol.md "Attach": the library's attach call for each listed
	 * program (a refusal is a load failure of that program), then one test run of the
	 * trigger with the request's data, before the checked program runs */
	if (attach && json_array_size(attach)) {
		links = calloc(json_array_size(attach), sizeof(*links));
		if (!links) {
			fail(reply, "load", INTERNAL, ENOMEM, "out of memory");
			goto out;
		}
	}
	for (i = 0; attach && i < json_array_size(attach); i++) {
		const char *name = json_string_value(json_array_get(attach, i));
		struct bpf_program *p = bpf_object__find_program_by_name(obj, name);
		struct bpf_link *link;

		if (!p) {
			fail(reply, "load", REFUSED, ENOENT,
			     "program '%s' to attach not found in %s", name, elf);
			goto out;
		}
		link = bpf_program__attach(p);
		if (!link) {
			err = errno;
			fail(reply, "load", REFUSED, err, "bpf_program__attach(%s): %s%s%s", name,
			     strerror(err), capture.first_warning[0] ? "; " : "",
			     capture.first_warning);
			json_object_set_new(reply, "failed_program", json_string(name));
			goto out;
		}
		links[n_links++] = link;
	}
	if (trigger) {
		LIBBPF_OPTS(bpf_test_run_opts, trig_opts, .data_in = run_opts.data_in,
			    .data_size_in = run_opts.data_size_in, .ctx_in = run_opts.ctx_in,
			    .ctx_size_in = run_opts.ctx_size_in, .repeat = run_opts.repeat);
		struct bpf_program *t = bpf_object__find_program_by_name(obj, trigger);

		if (!t || bpf_program__fd(t) < 0) {
			fail(reply, "run", REFUSED, ENOENT, "trigger program '%s' not loaded in %s",
			     trigger, elf);
			goto out;
		}
		err = bpf_prog_test_run_opts(bpf_program__fd(t), &trig_opts);
		if (err) {
			fail(reply, "run", REFUSED, -err, "bpf_prog_test_run_opts(trigger %s): %s",
			     trigger, strerror(-err));
			goto out;
		}
	}

	/* docs/adapter-protocol.md "Iterators": the iterator's link (a refusal is a load
	 * failure of that program), then an iterator read to its end, before the checked run */
	if (read_iter) {
		struct bpf_program *p = bpf_object__find_program_by_name(obj, read_iter);
		char buf[4096];
		ssize_t n;

		if (!p) {
			fail(reply, "load", REFUSED, ENOENT,
			     "iterator program '%s' not found in %s", read_iter, elf);
			goto out;
		}
		iter_link = bpf_program__attach_iter(p, NULL);
		if (!iter_link) {
			err = errno;
			fail(reply, "load", REFUSED, err, "bpf_program__attach_iter(%s): %s%s%s",
			     read_iter, strerror(err), capture.first_warning[0] ? "; " : "",
			     capture.first_warning);
			json_object_set_new(reply, "failed_program", json_string(read_iter));
			goto out;
		}
		fd = bpf_iter_create(bpf_link__fd(iter_link));
		if (fd < 0) {
			err = errno;
			fail(reply, "run", REFUSED, err, "bpf_iter_create(%s): %s", read_iter,
			     strerror(err));
			goto out;
		}
		while ((n = read(fd, buf, sizeof(buf))) > 0)
			;
		err = errno;
		close(fd);
		if (n < 0) {
			fail(reply, "run", REFUSED, err, "read of %s's iterator: %s", read_iter,
			     strerror(err));
			goto out;
		}
	}

	/* docs/adapter-protocol.md "Extensions": the extension object opened, its program's
	 * attach target set to the checked program (the function its section names), loaded
	 * and attached with bpf_program__attach_freplace; a refusal is a load failure of it */
	if (ext_elf) {
		struct bpf_program *t = bpf_object__find_program_by_name(obj, prog_name);
		struct bpf_program *e;
		const char *func;

		if (!t || bpf_program__fd(t) < 0) {
			fail(reply, "load", REFUSED, ENOENT,
			     "program '%s' to extend not loaded in %s", prog_name, elf);
			goto out;
		}
		ext_obj = bpf_object__open_file(ext_elf, NULL);
		if (!ext_obj) {
			err = errno;
			fail(reply, "load", REFUSED, err, "bpf_object__open_file(%s): %s%s%s",
			     ext_elf, strerror(err), capture.first_warning[0] ? "; " : "",
			     capture.first_warning);
			goto out;
		}
		e = bpf_object__find_program_by_name(ext_obj, ext_prog);
		if (!e) {
			fail(reply, "load", REFUSED, ENOENT,
			     "extension program '%s' not found in %s", ext_prog, ext_elf);
			goto out;
		}
		func = strchr(bpf_program__section_name(e), '/');
		func = func ? func + 1 : NULL;
		err = bpf_program__set_attach_target(e, bpf_program__fd(t), func);
		if (!err)
			err = bpf_object__load(ext_obj);
		if (err) {
			json_object_set_new(reply, "verifier_log",
					    capture.verifier_log ? json_string(capture.verifier_log)
								 : json_null());
			fail(reply, "load", REFUSED, -err, "bpf_object__load(%s): %s%s%s", ext_elf,
			     strerror(-err), capture.first_warning[0] ? "; " : "",
			     capture.first_warning);
			json_object_set_new(reply, "failed_program", json_string(ext_prog));
			goto out;
		}
		ext_link = bpf_program__attach_freplace(e, bpf_program__fd(t), func);
		if (!ext_link) {
			err = errno;
			fail(reply, "load", REFUSED, err,
			     "bpf_program__attach_freplace(%s): %s%s%s", ext_prog, strerror(err),
			     capture.first_warning[0] ? "; " : "", capture.first_warning);
			json_object_set_new(reply, "failed_program", json_string(ext_prog));
			goto out;
		}
	}

	start = now_ns();
	prog = bpf_object__find_program_by_name(obj, prog_name);
	if (!prog) {
		set_ns(reply, "run", start);
		fail(reply, "run", REFUSED, ENOENT, "program '%s' not found in object %s",
		     prog_name, elf);
		goto out;
	}
	fd = bpf_program__fd(prog);
	if (fd < 0) {
		set_ns(reply, "run", start);
		fail(reply, "run", REFUSED, -fd,
		     "program '%s' in %s was not loaded (autoload off?)", prog_name, elf);
		goto out;
	}
	if (want_info)
		json_object_set_new(
			reply, "info",
			json_pack("{s:o, s:o}", "prog", prog_info(fd), "maps", maps_info(obj)));
	err = bpf_prog_test_run_opts(fd, &run_opts);
	set_ns(reply, "run", start);
	if (err) {
		fail(reply, "run", REFUSED, -err, "bpf_prog_test_run_opts(%s): %s", prog_name,
		     strerror(-err));
		goto out;
	}
	json_object_set_new(reply, "phase", json_string("done"));
	json_object_set_new(reply, "retval", json_integer(run_opts.retval));
out:
	for (i = 0; i < n_links; i++)
		bpf_link__destroy(links[i]);
	free(links);
	bpf_link__destroy(iter_link);
	bpf_link__destroy(ext_link);
	bpf_object__close(ext_obj);
	bpf_object__close(obj);
	return reply;
}

json_t *handle_run(json_t *req)
{
	json_t *id = json_object_get(req, "id");
	json_t *skip = json_object_get(req, "skip");
	json_t *repeat_v = json_object_get(req, "repeat");
	json_t *autoload_v = json_object_get(req, "autoload_only");
	const char *elf, *prog, *pin_root, *btf_path, *hex, *ctx_hex, *trigger, *read_iter;
	const char *ext_elf = NULL, *ext_prog = NULL;
	json_t *extension;
	json_t *attach;
	unsigned char *data, *ctx = NULL;
	size_t data_len = DEFAULT_DATA_IN_LEN, ctx_len = 0;
	json_int_t repeat = 1;
	int bad = 0;

	if (skip && !json_is_null(skip) && (!json_is_array(skip) || json_array_size(skip)))
		return fail(new_reply(id), "open", INTERNAL, 0, "skip not supported");
	elf = opt_string(req, "elf", &bad);
	prog = opt_string(req, "program", &bad);
	pin_root = opt_string(req, "pin_root", &bad);
	btf_path = opt_string(req, "btf_custom_path", &bad);
	hex = opt_string(req, "data_in", &bad);
	ctx_hex = opt_string(req, "ctx_in", &bad);
	if (bad)
		return bad_request(id, "elf, program, pin_root, btf_custom_path, data_in and "
				       "ctx_in must be strings or null");
	if (!elf || !prog)
		return bad_request(id, "run needs 'elf' and 'program'");
	if (repeat_v && !json_is_null(repeat_v)) {
		if (!json_is_integer(repeat_v) || json_integer_value(repeat_v) < 0 ||
		    json_integer_value(repeat_v) > 0xffffffffLL)
			return bad_request(id, "'repeat' must be a 32-bit unsigned integer");
		repeat = json_integer_value(repeat_v);
	}
	if (autoload_v && !json_is_null(autoload_v) && !json_is_boolean(autoload_v))
		return bad_request(id, "'autoload_only' must be a boolean");
	attach = json_object_get(req, "attach");
	if (attach && json_is_null(attach))
		attach = NULL;
	if (attach && !json_is_array(attach))
		return bad_request(id, "'attach' must be a list of program names");
	for (size_t i = 0; attach && i < json_array_size(attach); i++)
		if (!json_is_string(json_array_get(attach, i)))
			return bad_request(id, "'attach' must be a list of program names");
	trigger = opt_string(req, "trigger", &bad);
	if (bad)
		return bad_request(id, "'trigger' must be a program name");
	read_iter = opt_string(req, "read_iter", &bad);
	if (bad)
		return bad_request(id, "'read_iter' must be a program name");
	extension = json_object_get(req, "extension");
	if (extension && !json_is_null(extension)) {
		ext_elf = json_string_value(json_object_get(extension, "elf"));
		ext_prog = json_string_value(json_object_get(extension, "program"));
		if (!json_is_object(extension) || !ext_elf || !ext_prog)
			return bad_request(
				id, "'extension' must be {\"elf\": path, \"program\": name}");
	}
	if (ctx_hex) {
		ctx = hex_decode(ctx_hex, &ctx_len);
		if (!ctx)
			return bad_request(id, "'ctx_in' is not an even-length hex string");
	}
	if (hex) {
		data = hex_decode(hex, &data_len);
		if (!data) {
			free(ctx);
			return bad_request(id, "'data_in' is not an even-length hex string");
		}
	} else {
		data = calloc(1, DEFAULT_DATA_IN_LEN);
		if (!data) {
			free(ctx);
			return fail(new_reply(id), "open", INTERNAL, ENOMEM, "out of memory");
		}
	}

	json_t *reply = run_loaded(
		new_reply(id), elf, prog, pin_root, btf_path, data, data_len, ctx, ctx_len,
		(unsigned int)repeat, json_is_true(json_object_get(req, "info")),
		json_is_true(autoload_v), attach, trigger, read_iter, ext_elf, ext_prog);
	free(data);
	free(ctx);
	return reply;
}
