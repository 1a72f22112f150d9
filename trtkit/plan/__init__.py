"""The engine-plan model and the parsers of every artifact TensorRT, trtexec, TREx and Polygraphy write."""
