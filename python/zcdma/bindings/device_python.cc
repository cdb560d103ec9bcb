/*
 * Copyright 2026 gr-zcdma authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* This file is hand-written in the bindtool shape; see docs/developer.md. */
/* BINDTOOL_GEN_AUTOMATIC(0)                                                */
/* BINDTOOL_USE_PYGCCXML(0)                                                 */
/* BINDTOOL_HEADER_FILE(device.h)                                           */
/* BINDTOOL_HEADER_FILE_HASH(0)                                             */

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <gnuradio/zcdma/device.h>
#include <device_pydoc.h>
#include <cmath>
#include <sstream>

namespace py = pybind11;
using namespace gr::zcdma;

namespace {

// The ring holds raw bytes: a dtype that numpy would read as object pointers
// (or that is not plain data some other way) would crash the interpreter.
void check_plain_dtype(const py::dtype& dt)
{
    constexpr char item_refcount = 0x01;   // NPY_ITEM_REFCOUNT: holds objects
    constexpr char item_is_pointer = 0x04; // NPY_ITEM_IS_POINTER
    static const std::string plain_kinds = "biufcmMSUV";
    if ((dt.flags() & (item_refcount | item_is_pointer)) ||
        plain_kinds.find(dt.kind()) == std::string::npos)
        throw py::type_error(
            "zcdma: dtype " +
            py::repr(static_cast<const py::object&>(dt)).cast<std::string>() +
            " holds Python objects or is not plain data; the ring holds raw bytes: "
            "use a numeric, bytes or structured dtype");
}

// A numpy array over [ptr, ptr+nbytes) of the ring; \p base keeps what the
// array needs alive (the mapping, and for a slot the slot itself).
py::array ring_array(py::object base, const void* ptr, size_t nbytes, const py::dtype& dt)
{
    check_plain_dtype(dt);
    const auto isz = static_cast<size_t>(dt.itemsize());
    if (isz == 0 || nbytes % isz)
        throw py::value_error(
            "zcdma: " + std::to_string(nbytes) +
            " bytes are not a whole number of items of dtype " +
            py::repr(static_cast<const py::object&>(dt)).cast<std::string>() +
            " (itemsize " + std::to_string(isz) + ")");
    py::array a(dt,
                std::vector<py::ssize_t>{ static_cast<py::ssize_t>(nbytes / isz) },
                std::vector<py::ssize_t>{ static_cast<py::ssize_t>(isz) },
                ptr,
                std::move(base));
    // The pages are mapped PROT_READ: numpy must not offer to write them.
    py::detail::array_proxy(a.ptr())->flags &= ~py::detail::npy_api::NPY_ARRAY_WRITEABLE_;
    return a;
}

template <typename T>
py::capsule shared_capsule(const std::shared_ptr<T>& p)
{
    return py::capsule(new std::shared_ptr<T>(p),
                       [](void* q) { delete static_cast<std::shared_ptr<T>*>(q); });
}

/*
 * One acquired slot, shared by its buffer and by every numpy view of it
 * (DESIGN §3 "Views and slots"): the slot goes back to the device when the
 * buffer was released and the last view is gone. It lives here, above the
 * backends, so the sim and the kernel device behave alike. It does not keep
 * the device open: once the device is gone no producer rewrites the pages,
 * and the mapping it holds keeps them readable.
 */
class slot_hold
{
public:
    slot_hold(const device::sptr& dev, const slot_info& s)
        : d_dev(dev),
          d_mapping(dev->mapping()),
          d_data(dev->slot_data(s.index)),
          d_slot(s)
    {
    }
    ~slot_hold()
    {
        try {
            give_back();
        } catch (...) {
            // Nobody to tell (a view died); the device already said no.
        }
    }
    slot_hold(const slot_hold&) = delete;
    slot_hold& operator=(const slot_hold&) = delete;

    void give_back()
    {
        if (d_given_back)
            return;
        d_given_back = true;
        if (auto dev = d_dev.lock())
            dev->release(d_slot.index, d_slot.seq);
    }

    const uint8_t* data() const { return d_data; }
    const slot_info& slot() const { return d_slot; }

private:
    std::weak_ptr<device> d_dev;
    ring_mapping::sptr d_mapping;
    const uint8_t* d_data;
    slot_info d_slot;
    bool d_given_back = false;
};

// What acquire() returns. release() (or leaving the with block) ends the
// buffer's own claim on the slot; views taken from it keep the slot until
// they go (release() does not raise BufferError as memoryview.release()
// does: a with block must be able to end while an array of it lives on).
class buffer
{
public:
    buffer(const device::sptr& dev, const slot_info& s)
        : d_dev(dev), d_hold(std::make_shared<slot_hold>(dev, s)), d_slot(s)
    {
    }
    ~buffer() = default; // a forgotten buffer's slot goes back with its hold

    void release()
    {
        if (!d_hold)
            throw std::logic_error("zcdma: slot " + std::to_string(d_slot.index) +
                                   " (seq " + std::to_string(d_slot.seq) +
                                   ") was already released");
        auto hold = std::move(d_hold);
        d_dev.reset();
        // No view left: hand the slot back now, so that errors reach the
        // caller. Otherwise the last view hands it back (under the GIL, as
        // every reference to the hold is dropped).
        if (hold.use_count() == 1)
            hold->give_back();
    }

    py::array array(const py::object& dtype) const
    {
        if (!d_hold)
            throw py::value_error("zcdma: slot " + std::to_string(d_slot.index) +
                                  " (seq " + std::to_string(d_slot.seq) +
                                  ") was released: take its arrays before release()");
        return ring_array(shared_capsule(d_hold),
                          d_hold->data(),
                          d_slot.nbytes,
                          py::dtype::from_args(dtype));
    }

    const slot_info& slot() const { return d_slot; }
    bool released() const { return !d_hold; }
    uintptr_t address() const { return d_address; }

private:
    device::sptr d_dev; // an unreleased buffer keeps its device open
    std::shared_ptr<slot_hold> d_hold;
    slot_info d_slot;
    uintptr_t d_address = reinterpret_cast<uintptr_t>(d_hold->data());
};

// The buffer protocol of a buffer: bytes of a read-only uint8 view of the
// slot, so memoryview(buf), bytes(buf) and socket.send(buf) hold the slot
// like buf.array() does (view->obj is that array; numpy releases it).
extern "C" int buffer_getbuffer(PyObject* self, Py_buffer* view, int flags)
{
    view->obj = nullptr;
    try {
        const auto& b = py::handle(self).cast<const buffer&>();
        py::array a = b.array(py::dtype::of<uint8_t>());
        return PyObject_GetBuffer(a.ptr(), view, flags);
    } catch (py::error_already_set& e) {
        e.restore();
    } catch (const py::builtin_exception& e) {
        e.set_error();
    } catch (const std::exception& e) {
        PyErr_SetString(PyExc_BufferError, e.what());
    }
    return -1;
}

// Waits in short slices so Ctrl-C reaches Python while we block.
std::unique_ptr<buffer> acquire(const device::sptr& dev, const py::object& timeout)
{
    double t = -1;
    if (!timeout.is_none()) {
        t = timeout.cast<double>();
        if (!(t >= 0) || !std::isfinite(t))
            throw py::value_error("zcdma: acquire: timeout must be None or >= 0, not " +
                                  py::repr(timeout).cast<std::string>());
    }
    slot_info s;
    // Fast path: a slot is usually waiting; take it without dropping the GIL.
    if (dev->acquire(s, 0))
        return std::make_unique<buffer>(dev, s);
    const int slice_ms = 100;
    long long left_ms = t < 0 ? -1 : static_cast<long long>(std::ceil(t * 1000));
    for (;;) {
        int wait = left_ms < 0 ? slice_ms
                               : static_cast<int>(std::min<long long>(left_ms, slice_ms));
        bool got;
        {
            py::gil_scoped_release nogil;
            got = dev->acquire(s, wait);
        }
        if (got)
            return std::make_unique<buffer>(dev, s);
        if (PyErr_CheckSignals() != 0)
            throw py::error_already_set();
        if (left_ms >= 0) {
            left_ms -= wait;
            if (left_ms <= 0) {
                // No %g in PyErr_Format (Python 3.12+ raises SystemError).
                PyErr_Format(PyExc_TimeoutError,
                             "zcdma: no filled slot from '%s' within %R s",
                             dev->info().name.c_str(),
                             py::float_(t).ptr());
                throw py::error_already_set();
            }
        }
    }
}

template <typename T>
std::string fields_repr(const char* name, const T& obj, const py::object& self)
{
    std::ostringstream os;
    os << name << "(";
    bool first = true;
    for (auto item : self.attr("_fields").cast<py::tuple>()) {
        auto key = item.cast<std::string>();
        os << (first ? "" : ", ") << key << "="
           << py::repr(self.attr(key.c_str())).cast<std::string>();
        first = false;
    }
    os << ")";
    return os.str();
}

template <typename C>
void add_dict_support(C& cls, std::vector<const char*> names)
{
    py::tuple fields(names.size());
    for (size_t i = 0; i < names.size(); i++)
        fields[i] = py::str(names[i]);
    cls.attr("_fields") = fields;
    cls.def("_asdict", [](const py::object& self) {
        py::dict d;
        for (auto item : self.attr("_fields"))
            d[item] = self.attr(item.cast<std::string>().c_str());
        return d;
    });
    cls.def("__repr__", [](const py::object& self) {
        return fields_repr(
            py::str(self.get_type().attr("__name__")).cast<std::string>().c_str(),
            0,
            self);
    });
}

} // namespace

void bind_device(py::module& m)
{
    py::class_<device_info> info(m, "device_info");
    info.def_readonly("abi_version", &device_info::abi_version)
        .def_readonly("page_size", &device_info::page_size)
        .def_readonly("nbufs", &device_info::nbufs)
        .def_readonly("bufsize", &device_info::bufsize)
        .def_readonly("mmap_size", &device_info::mmap_size)
        .def_readonly("rate", &device_info::rate)
        .def_readonly("name", &device_info::name)
        .def_readonly("backend", &device_info::backend)
        .def_readonly("pattern", &device_info::pattern)
        .def_readonly("drops", &device_info::drops);
    add_dict_support(info,
                     { "name",
                       "backend",
                       "pattern",
                       "abi_version",
                       "page_size",
                       "nbufs",
                       "bufsize",
                       "mmap_size",
                       "rate",
                       "drops" });

    py::class_<device_stats> stats(m, "device_stats");
    stats.def_readonly("slots_filled", &device_stats::slots_filled)
        .def_readonly("slots_acquired", &device_stats::slots_acquired)
        .def_readonly("slots_released", &device_stats::slots_released)
        .def_readonly("slots_dropped", &device_stats::slots_dropped)
        .def_readonly("slots_discarded", &device_stats::slots_discarded)
        .def_readonly("overruns", &device_stats::overruns)
        .def_readonly("bytes_filled", &device_stats::bytes_filled)
        .def_readonly("slots_failed", &device_stats::slots_failed)
        .def_readonly("slots_short", &device_stats::slots_short)
        .def_readonly("slots_held", &device_stats::slots_held)
        .def_readonly("slots_queued", &device_stats::slots_queued)
        .def_readonly("running", &device_stats::running);
    add_dict_support(stats,
                     { "running",
                       "slots_filled",
                       "slots_acquired",
                       "slots_released",
                       "slots_dropped",
                       "slots_discarded",
                       "overruns",
                       "bytes_filled",
                       "slots_failed",
                       "slots_short",
                       "slots_held",
                       "slots_queued" });

    py::class_<buffer> buffer_cls(m, "buffer", py::buffer_protocol(), D(buffer));
    // pybind11's def_buffer cannot report an error (a released buffer), so
    // the slot is filled in by hand on the heap type pybind11 made for us.
    auto* heap_type = reinterpret_cast<PyHeapTypeObject*>(buffer_cls.ptr());
    heap_type->as_buffer.bf_getbuffer = buffer_getbuffer;
    heap_type->as_buffer.bf_releasebuffer = nullptr;
    buffer_cls
        .def("array",
             &buffer::array,
             py::arg("dtype") = py::dtype::of<uint8_t>(),
             D(buffer, array))
        .def("release", &buffer::release)
        .def_property_readonly("index", [](const buffer& b) { return b.slot().index; })
        .def_property_readonly("seq", [](const buffer& b) { return b.slot().seq; })
        .def_property_readonly("nbytes", [](const buffer& b) { return b.slot().nbytes; })
        .def_property_readonly("timestamp_ns",
                               [](const buffer& b) { return b.slot().timestamp_ns; })
        .def_property_readonly("overrun",
                               [](const buffer& b) { return b.slot().overrun; })
        .def_property_readonly("dropped",
                               [](const buffer& b) { return b.slot().dropped; })
        .def_property_readonly("error", [](const buffer& b) { return b.slot().error; })
        .def_property_readonly(
            "drops", [](const buffer& b) { return std::string(b.slot().drops()); })
        .def_property_readonly("released", &buffer::released)
        .def_property_readonly("address", &buffer::address)
        .def("__enter__", [](py::object self) { return self; })
        .def("__exit__",
             [](buffer& b, py::args) {
                 if (!b.released())
                     b.release();
                 return false;
             })
        .def("__repr__", [](const buffer& b) {
            return "<zcdma.buffer index=" + std::to_string(b.slot().index) +
                   " seq=" + std::to_string(b.slot().seq) +
                   " nbytes=" + std::to_string(b.slot().nbytes) +
                   (b.slot().overrun
                        ? " overrun dropped=" + std::to_string(b.slot().dropped) + " (" +
                              b.slot().drops() + ")"
                        : "") +
                   (b.released() ? " released>" : ">");
        });

    m.def("with_samp_rate",
          &with_samp_rate,
          py::arg("device"),
          py::arg("samp_rate"),
          py::arg("itemsize"),
          D(with_samp_rate));

    py::class_<device, device::sptr>(m, "device", D(device))
        .def(py::init(&device::make), py::arg("device"))
        .def_property_readonly("info", &device::info, py::return_value_policy::copy)
        .def_property_readonly("stats", &device::stats)
        .def("start", &device::start, py::call_guard<py::gil_scoped_release>())
        .def("stop", &device::stop, py::call_guard<py::gil_scoped_release>())
        .def("fileno", &device::fileno)
        .def("acquire", &acquire, py::arg("timeout") = py::none(), D(device, acquire))
        .def(
            "mapping",
            [](const device& d) {
                auto map = d.mapping();
                return ring_array(shared_capsule(map),
                                  map->base(),
                                  2 * map->ring_bytes(),
                                  py::dtype::of<uint8_t>());
            },
            D(device, mapping))
        .def("__iter__", [](py::object self) { return self; })
        .def("__next__",
             [](const device::sptr& d) {
                 try {
                     return acquire(d, py::none());
                 } catch (const std::logic_error&) {
                     throw py::stop_iteration(); // stopped and drained
                 }
             })
        .def("__enter__", [](py::object self) { return self; })
        .def("__exit__",
             [](device& d, py::args) {
                 py::gil_scoped_release nogil;
                 d.stop();
                 return false;
             })
        .def("__repr__", [](const device& d) {
            return "<zcdma.device '" + d.info().name + "' " +
                   std::to_string(d.info().nbufs) + " x " +
                   std::to_string(d.info().bufsize) + " B>";
        });
}
